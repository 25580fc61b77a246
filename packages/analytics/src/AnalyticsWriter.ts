import { Events, Money } from "@adflow/domain"
import { Effect, Layer } from "effect"
import { AnalyticsError } from "./AnalyticsError.js"
import { ClickHouse } from "./ClickHouse.js"
import * as Tables from "./Tables.js"

/** One row of the `events` table, as JSONEachRow sends it (JSON.stringify escapes the values). */
export interface EventRow {
  readonly event_id: string
  readonly kind: "impression" | "click"
  readonly campaign_id: string
  readonly advertiser_id: string
  readonly client_id: string
  readonly day: number
  readonly cost_micros: number
  readonly score: number
  readonly at: number
}

export const toRow = (event: Events.Impression | Events.Click): EventRow => ({
  event_id: event.event_id,
  kind: event._tag,
  campaign_id: event.campaign_id,
  advertiser_id: event.advertiser_id,
  client_id: event.client_id,
  day: event.day,
  cost_micros: Money.fromPrice(event.cost),
  score: event._tag === "impression" ? event.score : 0,
  at: event.at,
})

const make = (name: string) =>
  Effect.gen(function* () {
    const { client } = yield* ClickHouse
    const table = yield* Effect.orDie(Tables.qualified(name))

    /** One INSERT per call, whatever the size of the batch; an empty batch sends nothing. */
    const insertEvents = (
      events: ReadonlyArray<Events.Impression | Events.Click>,
    ): Effect.Effect<void, AnalyticsError> =>
      events.length === 0
        ? Effect.void
        : Effect.tryPromise({
            try: (signal) =>
              client.insert({
                table,
                values: events.map(toRow),
                format: "JSONEachRow",
                abort_signal: signal,
              }),
            catch: AnalyticsError.from("insertEvents"),
          }).pipe(
            Effect.asVoid,
            Effect.withSpan("AnalyticsWriter.insertEvents", { attributes: { count: events.length } }),
          )

    /** Empties the events table, before a replay rebuilds it. */
    const truncate = (): Effect.Effect<void, AnalyticsError> =>
      Effect.tryPromise({
        try: (signal) => client.command({ query: `TRUNCATE TABLE ${table}`, abort_signal: signal }),
        catch: AnalyticsError.from("truncate"),
      }).pipe(Effect.asVoid)

    return { insertEvents, truncate } as const
  })

/** Writes impressions and clicks to ClickHouse. Writing an event again is harmless: reads collapse it. */
export class AnalyticsWriter extends Effect.Service<AnalyticsWriter>()("@adflow/analytics/AnalyticsWriter", {
  effect: make(Tables.EVENTS),
}) {
  /** A writer to the rebuild's staging table instead: for the rebuild's replay. */
  static readonly staging = Layer.effect(
    AnalyticsWriter,
    Effect.map(make(Tables.EVENTS_REBUILD), AnalyticsWriter.make),
  )
}
