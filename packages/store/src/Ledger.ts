import { Money, type Events } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as ArrayLiteral from "./ArrayLiteral.js"
import { sortedBy } from "./Batches.js"

const byEventId = (event: { readonly event_id: string }) => event.event_id

/**
 * The PostgreSQL ledger of impressions and clicks. Each batch is one INSERT over `unnest` of
 * column arrays (one round trip and one plan however large the batch; the arrays go as
 * literals, see ArrayLiteral), keyed by the event's deterministic id, so a redelivered or
 * replayed event is recorded once.
 */
export class Ledger extends Effect.Service<Ledger>()("@adflow/store/Ledger", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Records impressions not yet recorded; answers how many rows were actually inserted. */
    const insertImpressions = (events: ReadonlyArray<Events.Impression>) => {
      if (events.length === 0) return Effect.succeed(0)
      const rows = sortedBy(events, byEventId)
      return sql<{ inserted: number }>`
        WITH inserted AS (
          INSERT INTO impressions (event_id, campaign_id, advertiser_id, client_id, day, cost_micros, score, at)
          SELECT e.event_id, e.campaign_id, e.advertiser_id, e.client_id, e.day, e.cost_micros, e.score,
                 timestamptz 'epoch' + e.at_ms * interval '1 millisecond'
          FROM unnest(
            ${ArrayLiteral.texts(rows.map((e) => e.event_id))}::text[],
            ${ArrayLiteral.texts(rows.map((e) => e.campaign_id))}::uuid[],
            ${ArrayLiteral.texts(rows.map((e) => e.advertiser_id))}::uuid[],
            ${ArrayLiteral.texts(rows.map((e) => e.client_id))}::uuid[],
            ${ArrayLiteral.numbers(rows.map((e) => e.day))}::integer[],
            ${ArrayLiteral.numbers(rows.map((e) => Money.fromPrice(e.cost)))}::bigint[],
            ${ArrayLiteral.numbers(rows.map((e) => e.score))}::integer[],
            ${ArrayLiteral.numbers(rows.map((e) => e.at))}::bigint[]
          ) AS e(event_id, campaign_id, advertiser_id, client_id, day, cost_micros, score, at_ms)
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
      const rows = sortedBy(events, byEventId)
      return sql<{ inserted: number }>`
        WITH inserted AS (
          INSERT INTO clicks (event_id, campaign_id, advertiser_id, client_id, day, cost_micros, at)
          SELECT e.event_id, e.campaign_id, e.advertiser_id, e.client_id, e.day, e.cost_micros,
                 timestamptz 'epoch' + e.at_ms * interval '1 millisecond'
          FROM unnest(
            ${ArrayLiteral.texts(rows.map((e) => e.event_id))}::text[],
            ${ArrayLiteral.texts(rows.map((e) => e.campaign_id))}::uuid[],
            ${ArrayLiteral.texts(rows.map((e) => e.advertiser_id))}::uuid[],
            ${ArrayLiteral.texts(rows.map((e) => e.client_id))}::uuid[],
            ${ArrayLiteral.numbers(rows.map((e) => e.day))}::integer[],
            ${ArrayLiteral.numbers(rows.map((e) => Money.fromPrice(e.cost)))}::bigint[],
            ${ArrayLiteral.numbers(rows.map((e) => e.at))}::bigint[]
          ) AS e(event_id, campaign_id, advertiser_id, client_id, day, cost_micros, at_ms)
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
