import { EventPublisher } from "@adflow/bus"
import { Counters } from "@adflow/counters"
import { type Ad, type AdvertiserId, type ClientId, Errors, Events, Money } from "@adflow/domain"
import { Effect, Option } from "effect"
import { CampaignIndex, type ServingCampaign } from "./CampaignIndex.js"
import { ClientCache } from "./ClientCache.js"
import { CurrentDay } from "./CurrentDay.js"
import * as Ranking from "./Ranking.js"
import { servingCounts } from "./ServingMetrics.js"

const noAd = (clientId: ClientId) =>
  new Errors.NotFound({ error: Errors.Code.notFound, message: `no ad can be shown to client ${clientId}` })

/** Campaigns whose counters one round trip reads. */
const WINDOW = 8

const toAd = ({ row }: ServingCampaign): Ad.Ad => ({
  ad_id: row.campaign_id,
  ad_title: row.ad_title,
  ad_text: row.ad_text,
  advertiser_id: row.advertiser_id,
})

/**
 * `GET /ads`: the client and the candidates from memory, one pipelined Redis read for scores
 * and counters, the ranking, then one atomic admission per tried candidate (a refusal at the
 * limit moves on to the next), and the impression published to JetStream before answering.
 */
export class AdServing extends Effect.Service<AdServing>()("@adflow/api/AdServing", {
  effect: Effect.gen(function* () {
    const currentDay = yield* CurrentDay
    const clients = yield* ClientCache
    const index = yield* CampaignIndex
    const counters = yield* Counters
    const publisher = yield* EventPublisher

    const impression = (candidate: Ranking.Candidate, clientId: ClientId, day: number) =>
      new Events.Impression(
        {
          v: Events.SCHEMA_VERSION,
          event_id: Events.impressionId(candidate.campaign.row.campaign_id, clientId),
          campaign_id: candidate.campaign.row.campaign_id,
          advertiser_id: candidate.campaign.row.advertiser_id,
          client_id: clientId,
          day: day as Events.Impression["day"],
          cost: Money.toPrice(candidate.campaign.row.cost_per_impression_micros),
          score: candidate.score,
          at: Date.now(),
        },
        true,
      )

    const admitFirst = (ranked: ReadonlyArray<Ranking.Candidate>, clientId: ClientId, day: number) =>
      Effect.gen(function* () {
        for (const candidate of ranked) {
          const { row } = candidate.campaign
          const admission = yield* counters.admitImpression({
            campaignId: row.campaign_id,
            clientId,
            impressionsLimit: row.impressions_limit,
            costMicros: row.cost_per_impression_micros,
          })
          if (admission === "limit") {
            servingCounts.admissionsAtLimit++
            continue
          }
          // A repeat is not charged again; publishing the same event id again is deduplicated, and
          // repairs the case where the first publish failed after its admission.
          yield* publisher.publish(impression(candidate, clientId, day))
          if (admission === "new") servingCounts.served++
          else servingCounts.repeats++
          return Option.some(candidate.campaign)
        }
        return Option.none<ServingCampaign>()
      })

    const unseen = { impressions: 0, clicks: 0, seen: false, clicked: false }

    /**
     * Reads counters and scores for the eligible campaigns in windows of `WINDOW`, best case
     * first, until a window holds a campaign that earns whatever the score; usually the first,
     * so one pipelined round trip (reading thousands of counters per request would cost more
     * than everything else). Campaigns beyond the last window read are never tried.
     */
    const rankInWindows = (clientId: ClientId, eligible: ReadonlyArray<ServingCampaign>) =>
      Effect.gen(function* () {
        const byBestCase = [...eligible].sort((a, b) => Ranking.bestCase(b.row) - Ranking.bestCase(a.row))
        const read: Array<Ranking.Candidate> = []
        for (let start = 0; start < byBestCase.length; start += WINDOW) {
          const window = byBestCase.slice(start, start + WINDOW)
          const advertiserIds = Array.from(new Set<AdvertiserId>(window.map((c) => c.row.advertiser_id)))
          const view = yield* counters.readForRequest({
            clientId,
            advertiserIds,
            campaignIds: window.map((c) => c.row.campaign_id),
          })
          for (const campaign of window)
            read.push({
              campaign,
              view: view.campaigns.get(campaign.row.campaign_id) ?? unseen,
              score: view.scores.get(campaign.row.advertiser_id) ?? 0,
            })
          if (read.some(Ranking.earns)) break
        }
        return Ranking.order(read)
      })

    const serve = (clientId: ClientId) =>
      Effect.gen(function* () {
        const day = currentDay.get()
        const client = yield* clients.get(clientId)
        if (Option.isNone(client)) {
          servingCounts.refused.unknown_client++
          return yield* Effect.fail(Errors.notFound("client", clientId))
        }
        const eligible = index.eligible(client.value, day)
        if (eligible.length === 0) {
          servingCounts.refused.no_candidate++
          return yield* Effect.fail(noAd(clientId))
        }
        const ranked = yield* rankInWindows(clientId, eligible)
        const chosen = yield* admitFirst(ranked, clientId, day)
        if (Option.isNone(chosen)) {
          servingCounts.refused.all_at_limit++
          return yield* Effect.fail(noAd(clientId))
        }
        return toAd(chosen.value)
      })

    return { serve } as const
  }),
}) {}
