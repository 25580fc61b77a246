import { Money, type Events } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { sortedBy } from "./Batches.js"

const byEventId = (event: { readonly event_id: string }) => event.event_id

const impressionRow = (e: Events.Impression) => ({
  event_id: e.event_id,
  campaign_id: e.campaign_id,
  advertiser_id: e.advertiser_id,
  client_id: e.client_id,
  day: e.day,
  cost_micros: Money.fromPrice(e.cost),
  score: e.score,
  at_ms: e.at,
})

const clickRow = (e: Events.Click) => ({
  event_id: e.event_id,
  campaign_id: e.campaign_id,
  advertiser_id: e.advertiser_id,
  client_id: e.client_id,
  day: e.day,
  cost_micros: Money.fromPrice(e.cost),
  at_ms: e.at,
})

/**
 * The PostgreSQL ledger of impressions and clicks. Each batch is one INSERT over
 * `json_to_recordset` of a single JSON parameter (one round trip and one plan however large the
 * batch; `JSON.stringify` is native, where eight arrays serialised to array literals by the
 * client cost it most of its time), keyed by the event's deterministic id, so a redelivered or
 * replayed event is recorded once. Rows go in sorted by id (the set function yields them in the
 * document's order), so concurrent batches lock shared ids in the same order.
 */
export class Ledger extends Effect.Service<Ledger>()("@adflow/store/Ledger", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Records impressions not yet recorded; answers how many rows were actually inserted. */
    const insertImpressions = (events: ReadonlyArray<Events.Impression>) => {
      if (events.length === 0) return Effect.succeed(0)
      const rows = JSON.stringify(sortedBy(events, byEventId).map(impressionRow))
      return sql<{ inserted: number }>`
        WITH inserted AS (
          INSERT INTO impressions (event_id, campaign_id, advertiser_id, client_id, day, cost_micros, score, at)
          SELECT e.event_id, e.campaign_id, e.advertiser_id, e.client_id, e.day, e.cost_micros, e.score,
                 timestamptz 'epoch' + e.at_ms * interval '1 millisecond'
          FROM json_to_recordset(${rows}::json) AS e(
            event_id text, campaign_id uuid, advertiser_id uuid, client_id uuid,
            day integer, cost_micros bigint, score integer, at_ms bigint
          )
          ON CONFLICT (event_id) DO NOTHING
          RETURNING 1
        )
        SELECT count(*)::integer AS inserted FROM inserted`.pipe(
        Effect.map((result) => result[0]?.inserted ?? 0),
      )
    }

    /** Records clicks not yet recorded; answers how many rows were actually inserted. */
    const insertClicks = (events: ReadonlyArray<Events.Click>) => {
      if (events.length === 0) return Effect.succeed(0)
      const rows = JSON.stringify(sortedBy(events, byEventId).map(clickRow))
      return sql<{ inserted: number }>`
        WITH inserted AS (
          INSERT INTO clicks (event_id, campaign_id, advertiser_id, client_id, day, cost_micros, at)
          SELECT e.event_id, e.campaign_id, e.advertiser_id, e.client_id, e.day, e.cost_micros,
                 timestamptz 'epoch' + e.at_ms * interval '1 millisecond'
          FROM json_to_recordset(${rows}::json) AS e(
            event_id text, campaign_id uuid, advertiser_id uuid, client_id uuid,
            day integer, cost_micros bigint, at_ms bigint
          )
          ON CONFLICT (event_id) DO NOTHING
          RETURNING 1
        )
        SELECT count(*)::integer AS inserted FROM inserted`.pipe(
        Effect.map((result) => result[0]?.inserted ?? 0),
      )
    }

    return { insertImpressions, insertClicks } as const
  }),
}) {}
