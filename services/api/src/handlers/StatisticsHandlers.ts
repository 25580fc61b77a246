import { StatsQueries, type DailyTotals, type Totals } from "@adflow/analytics"
import { Barrier } from "@adflow/bus"
import { type AdvertiserId, Api, type CampaignId, Errors, StatsMath } from "@adflow/domain"
import { CampaignRepo } from "@adflow/store"
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { KnownAdvertisers } from "../KnownAdvertisers.js"
import { orUnavailable } from "../Unavailable.js"

/** How long a statistics request waits for the processor to apply what was accepted before it. */
export const BARRIER_TIMEOUT = "5 seconds"

const counts = (totals: Totals): StatsMath.Counts => ({
  impressions_count: totals.impressions,
  clicks_count: totals.clicks,
  spent_impressions_micros: totals.spentImpressionsMicros,
  spent_clicks_micros: totals.spentClicksMicros,
})

const dailyCounts = (rows: ReadonlyArray<DailyTotals>): Array<StatsMath.DailyCounts> =>
  rows.map((row) => ({ ...counts(row), date: row.day }))

/**
 * Statistics from ClickHouse, after the read-your-writes barrier: every impression and click
 * accepted before the request is counted. Deleted campaigns keep their statistics.
 */
export const StatisticsHandlers = HttpApiBuilder.group(Api.AdflowApi, "statistics", (handlers) =>
  Effect.gen(function* () {
    const campaigns = yield* CampaignRepo
    const advertisers = yield* KnownAdvertisers
    const stats = yield* StatsQueries

    const settled = Barrier.awaitApplied(["impression", "click"], BARRIER_TIMEOUT).pipe(
      Effect.flatMap((applied) =>
        applied
          ? Effect.void
          : Effect.fail(
              Errors.serviceUnavailable(
                `the event processor did not catch up within ${BARRIER_TIMEOUT}; statistics would be incomplete`,
              ),
            ),
      ),
    )

    const requireCampaign = (campaignId: CampaignId) =>
      campaigns
        .findById(campaignId, { includeDeleted: true })
        .pipe(
          Effect.flatMap((found) =>
            Option.isSome(found) ? Effect.void : Effect.fail(Errors.notFound("campaign", campaignId)),
          ),
        )

    const requireAdvertiser = (advertiserId: AdvertiserId) =>
      Effect.flatMap(advertisers.exists(advertiserId), (exists) =>
        exists ? Effect.void : Effect.fail(Errors.notFound("advertiser", advertiserId)),
      )

    return handlers
      .handle("getCampaignStats", ({ path }) =>
        requireCampaign(path.campaignId).pipe(
          Effect.zipRight(settled),
          Effect.zipRight(stats.campaignTotals(path.campaignId)),
          Effect.map((totals) => StatsMath.toStats(counts(totals))),
          orUnavailable,
        ),
      )
      .handle("getCampaignDailyStats", ({ path }) =>
        requireCampaign(path.campaignId).pipe(
          Effect.zipRight(settled),
          Effect.zipRight(stats.campaignDaily(path.campaignId)),
          Effect.map((rows) => StatsMath.toDailyStats(dailyCounts(rows))),
          orUnavailable,
        ),
      )
      .handle("getAdvertiserCampaignsStats", ({ path }) =>
        requireAdvertiser(path.advertiserId).pipe(
          Effect.zipRight(settled),
          Effect.zipRight(stats.advertiserTotals(path.advertiserId)),
          Effect.map((totals) => StatsMath.toStats(counts(totals))),
          orUnavailable,
        ),
      )
      .handle("getAdvertiserDailyStats", ({ path }) =>
        requireAdvertiser(path.advertiserId).pipe(
          Effect.zipRight(settled),
          Effect.zipRight(stats.advertiserDaily(path.advertiserId)),
          Effect.map((rows) => StatsMath.toDailyStats(dailyCounts(rows))),
          orUnavailable,
        ),
      )
  }),
)
