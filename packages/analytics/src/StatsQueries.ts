import type { AdvertiserId, CampaignId } from "@adflow/domain"
import { Effect, Schema } from "effect"
import { AnalyticsError } from "./AnalyticsError.js"
import { ClickHouse } from "./ClickHouse.js"
import * as Literal from "./Literal.js"
import * as Tables from "./Tables.js"
import { DailyTotals, Totals, zero } from "./Totals.js"
import { isUnknownTable } from "./UnknownTable.js"

const decodeTotals = Schema.decodeUnknown(Schema.Array(Totals))
const decodeDaily = Schema.decodeUnknown(Schema.Array(DailyTotals))

// Every aggregate is rendered as a string so 64-bit values arrive intact whatever the JSON settings.
const AGGREGATES = `
  toString(countIf(kind = 'impression')) AS impressions,
  toString(countIf(kind = 'click')) AS clicks,
  toString(sumIf(cost_micros, kind = 'impression')) AS spentImpressionsMicros,
  toString(sumIf(cost_micros, kind = 'click')) AS spentClicksMicros`

/**
 * Statistics read from ClickHouse. Every query reads `FINAL`, so an event inserted more than
 * once counts once even before the background merge collapses it. Unknown ids give zeros (or
 * no daily rows); whether the campaign or advertiser exists is the caller's question.
 */
export class StatsQueries extends Effect.Service<StatsQueries>()("@adflow/analytics/StatsQueries", {
  effect: Effect.gen(function* () {
    const { client } = yield* ClickHouse
    const table = yield* Effect.orDie(Tables.qualified(Tables.EVENTS))

    const select = <A>(
      operation: string,
      query: string,
      decode: (json: unknown) => Effect.Effect<A, unknown>,
    ): Effect.Effect<A, AnalyticsError> =>
      Effect.tryPromise({
        try: async (signal) => {
          const result = await client.query({ query, format: "JSONEachRow", abort_signal: signal })
          return result.json()
        },
        catch: (cause) => cause,
      }).pipe(
        // A rebuild swaps `events` with one RENAME (StagingEvents.swap); should a server ever let a
        // query see the instant between its two renames, the table is back at once.
        Effect.retry({ times: 1, while: isUnknownTable }),
        Effect.mapError(AnalyticsError.from(operation)),
        Effect.flatMap((json) => Effect.mapError(decode(json), AnalyticsError.from(operation))),
        Effect.withSpan(`StatsQueries.${operation}`),
      )

    const totals = (operation: string, column: "campaign_id" | "advertiser_id", id: string) =>
      select(
        operation,
        `SELECT ${AGGREGATES} FROM ${table} FINAL WHERE ${column} = ${Literal.string(id)}`,
        decodeTotals,
      ).pipe(Effect.map((rows) => rows[0] ?? zero))

    const daily = (operation: string, column: "campaign_id" | "advertiser_id", id: string) =>
      select(
        operation,
        `SELECT day, ${AGGREGATES} FROM ${table} FINAL WHERE ${column} = ${Literal.string(id)}
         GROUP BY day ORDER BY day`,
        decodeDaily,
      )

    return {
      campaignTotals: (campaignId: CampaignId): Effect.Effect<Totals, AnalyticsError> =>
        totals("campaignTotals", "campaign_id", campaignId),
      /** Only the days that have events, ascending. */
      campaignDaily: (campaignId: CampaignId): Effect.Effect<ReadonlyArray<DailyTotals>, AnalyticsError> =>
        daily("campaignDaily", "campaign_id", campaignId),
      advertiserTotals: (advertiserId: AdvertiserId): Effect.Effect<Totals, AnalyticsError> =>
        totals("advertiserTotals", "advertiser_id", advertiserId),
      /** Only the days that have events, ascending, summed over the advertiser's campaigns. */
      advertiserDaily: (
        advertiserId: AdvertiserId,
      ): Effect.Effect<ReadonlyArray<DailyTotals>, AnalyticsError> =>
        daily("advertiserDaily", "advertiser_id", advertiserId),
    } as const
  }),
}) {}
