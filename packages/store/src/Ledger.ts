import { Money, type Events } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"
import * as BinaryArray from "./BinaryArray.js"
import { sortedBy } from "./Batches.js"

interface Inserted {
  readonly inserted: number
}

const byEventId = (event: { readonly event_id: string }) => event.event_id

/** The columns impressions and clicks share, in their tables' order, one binary array each. */
const sharedColumns = (rows: ReadonlyArray<Events.Impression | Events.Click>) =>
  [
    BinaryArray.texts(rows.map((e) => e.event_id)),
    BinaryArray.uuids(rows.map((e) => e.campaign_id)),
    BinaryArray.uuids(rows.map((e) => e.advertiser_id)),
    BinaryArray.uuids(rows.map((e) => e.client_id)),
    BinaryArray.int4s(rows.map((e) => e.day)),
    BinaryArray.int8s(rows.map((e) => Money.fromPrice(e.cost))),
  ] as const

/** A batch's column arrays; a value its column cannot hold fails the write, as PostgreSQL's cast would. */
const encodeColumns = <A>(build: () => A) =>
  Effect.try({
    try: build,
    catch: (cause) =>
      new SqlError({
        cause,
        message: `a ledger row cannot be written: ${cause instanceof Error ? cause.message : String(cause)}`,
      }),
  })

/**
 * The PostgreSQL ledger of impressions and clicks. Each batch is one INSERT over `unnest` of
 * column arrays (one round trip and one plan however large the batch; the arrays go in
 * PostgreSQL's binary format, see BinaryArray), keyed by the event's deterministic id, so a
 * redelivered or replayed event is recorded once.
 */
export class Ledger extends Effect.Service<Ledger>()("@adflow/store/Ledger", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Records impressions not yet recorded; answers how many rows were actually inserted. */
    const insertImpressions = (events: ReadonlyArray<Events.Impression>) => {
      if (events.length === 0) return Effect.succeed(0)
      const columns = encodeColumns(() => {
        const rows = sortedBy(events, byEventId)
        return [
          ...sharedColumns(rows),
          BinaryArray.int4s(rows.map((e) => e.score)),
          BinaryArray.int8s(rows.map((e) => e.at)),
        ] as const
      })
      return Effect.flatMap(
        columns,
        ([eventIds, campaignIds, advertiserIds, clientIds, days, costs, scores, ats]) => sql<Inserted>`
        WITH inserted AS (
          INSERT INTO impressions (event_id, campaign_id, advertiser_id, client_id, day, cost_micros, score, at)
          SELECT e.event_id, e.campaign_id, e.advertiser_id, e.client_id, e.day, e.cost_micros, e.score,
                 timestamptz 'epoch' + e.at_ms * interval '1 millisecond'
          FROM unnest(
            ${eventIds}::text[],
            ${campaignIds}::uuid[],
            ${advertiserIds}::uuid[],
            ${clientIds}::uuid[],
            ${days}::integer[],
            ${costs}::bigint[],
            ${scores}::integer[],
            ${ats}::bigint[]
          ) AS e(event_id, campaign_id, advertiser_id, client_id, day, cost_micros, score, at_ms)
          ON CONFLICT (event_id) DO NOTHING
          RETURNING 1
        )
        SELECT count(*)::integer AS inserted FROM inserted`,
      ).pipe(Effect.map((result) => result[0]?.inserted ?? 0))
    }

    /** Records clicks not yet recorded; answers how many rows were actually inserted. */
    const insertClicks = (events: ReadonlyArray<Events.Click>) => {
      if (events.length === 0) return Effect.succeed(0)
      const columns = encodeColumns(() => {
        const rows = sortedBy(events, byEventId)
        return [...sharedColumns(rows), BinaryArray.int8s(rows.map((e) => e.at))] as const
      })
      return Effect.flatMap(
        columns,
        ([eventIds, campaignIds, advertiserIds, clientIds, days, costs, ats]) => sql<Inserted>`
        WITH inserted AS (
          INSERT INTO clicks (event_id, campaign_id, advertiser_id, client_id, day, cost_micros, at)
          SELECT e.event_id, e.campaign_id, e.advertiser_id, e.client_id, e.day, e.cost_micros,
                 timestamptz 'epoch' + e.at_ms * interval '1 millisecond'
          FROM unnest(
            ${eventIds}::text[],
            ${campaignIds}::uuid[],
            ${advertiserIds}::uuid[],
            ${clientIds}::uuid[],
            ${days}::integer[],
            ${costs}::bigint[],
            ${ats}::bigint[]
          ) AS e(event_id, campaign_id, advertiser_id, client_id, day, cost_micros, at_ms)
          ON CONFLICT (event_id) DO NOTHING
          RETURNING 1
        )
        SELECT count(*)::integer AS inserted FROM inserted`,
      ).pipe(Effect.map((result) => result[0]?.inserted ?? 0))
    }

    return { insertImpressions, insertClicks } as const
  }),
}) {}
