import { EventCodec, EventPublisher } from "@adflow/bus"
import { Counters, ImpressionOutbox, MirroredAdmission } from "@adflow/counters"
import {
  type Ad,
  CampaignLifecycle,
  type ClientId,
  type Day,
  Engine,
  Errors,
  Events,
  Money,
  Targeting,
} from "@adflow/domain"
import type { ClientRow } from "@adflow/store"
import { Effect, Option } from "effect"
import { CampaignIndex, type ServingCampaign } from "./CampaignIndex.js"
import { ClickRates } from "./ClickRates.js"
import { ClientCache } from "./ClientCache.js"
import { CurrentDay } from "./CurrentDay.js"
import { ImpressionFloors } from "./ImpressionFloors.js"
import * as EngineConfig from "./EngineConfig.js"
import * as Ranking from "./Ranking.js"
import { servingCounts } from "./ServingMetrics.js"

const noAd = (clientId: ClientId) =>
  new Errors.NotFound({ error: Errors.Code.notFound, message: `no ad can be shown to client ${clientId}` })

const toAd = ({ row }: ServingCampaign): Ad.Ad => ({
  ad_id: row.campaign_id,
  ad_title: row.ad_title,
  ad_text: row.ad_text,
  advertiser_id: row.advertiser_id,
})

/**
 * `GET /ads`: the client and its candidates from memory (`CampaignIndex`), the client's scores
 * and the counters of the engine's most promising candidates in one Redis command, more windows
 * only when needed (see `Ranking`), `Engine.Ranking.rank` with the learned click rates, then one atomic admission
 * per tried candidate (a refusal at the limit moves on to the next), and the impression
 * published to JetStream before answering.
 */
export class AdServing extends Effect.Service<AdServing>()("@adflow/api/AdServing", {
  effect: Effect.gen(function* () {
    const currentDay = yield* CurrentDay
    const clients = yield* ClientCache
    const index = yield* CampaignIndex
    const clickRates = yield* ClickRates
    const counters = yield* Counters
    const publisher = yield* EventPublisher
    const policy = yield* EngineConfig.policy
    // Admission that also writes the staging counters while `adflow rebuild` runs.
    const admissions = yield* MirroredAdmission
    const outbox = yield* ImpressionOutbox

    // The highest impressions count read per campaign: a lower bound of the live one, which
    // keeps the optimistic value of a campaign not read yet close to its true value.
    const floor = new ImpressionFloors()
    const openings = new Ranking.Openings()
    const searches = new Ranking.SearchPool()

    const impression = (candidate: Ranking.Candidate, clientId: ClientId, day: number) =>
      new Events.Impression(
        {
          v: Events.SCHEMA_VERSION,
          event_id: Events.impressionId(candidate.campaign.campaign_id, clientId),
          campaign_id: candidate.campaign.campaign_id,
          advertiser_id: candidate.campaign.advertiser_id,
          client_id: clientId,
          day: day as Events.Impression["day"],
          cost: Money.toPrice(candidate.campaign.row.cost_per_impression_micros),
          score: candidate.score,
          at: Date.now(),
        },
        true,
      )

    // What valuing a candidate needs besides its counters and score, built again only when the
    // index (its mean prices, its day) or the click-rate table changes, not per request.
    let valuation: Engine.Ranking.Valuation | undefined
    let valuedIndex: Engine.CampaignIndex.CampaignIndex | undefined
    let valuedRates: Engine.ClickRate.Table | undefined
    const valuationOn = (day: Day): Engine.Ranking.Valuation => {
      const at = index.at(day)
      const clickRate = clickRates.get()
      if (valuation === undefined || at !== valuedIndex || clickRate !== valuedRates) {
        valuation = new Engine.Ranking.Valuation({
          day,
          clickRate,
          relevanceUnit: Engine.Ranking.relevanceUnit(Engine.CampaignIndex.meanPrices(at), clickRate),
          policy,
        })
        valuedIndex = at
        valuedRates = clickRate
      }
      return valuation
    }

    /** Counters as read (flat, `ServingView.counters`), remembering the highest impressions count seen per campaign. */
    const noteFloor = (campaigns: ReadonlyArray<ServingCampaign>, counters: ReadonlyArray<number>) => {
      for (let k = 0; k < campaigns.length; k++) floor.raise(campaigns[k]!.slot, counters[4 * k]!)
      return counters
    }

    /**
     * The engine's best candidate that admission accepts, reading counters only as far as needed:
     * the client's scores with the most promising window's counters in one round trip, then
     * further windows only while an unread candidate could still be the best.
     */
    // A generator run inside `serve`'s (`yield*`), not an Effect of its own: one Effect per request.
    function* choose(client: ClientRow, candidates: Ranking.CandidateSet, day: Day) {
      const clientId = client.client_id
      const { campaigns } = candidates
      const valuation = valuationOn(day)
      const { optimisticCounts, positions } = openings.of(candidates, floor, valuation)
      const firstCampaigns = positions.map((i) => campaigns[i]!)
      const first = yield* counters.readForServing({
        clientId,
        scores: true,
        campaignIds: firstCampaigns.map((c) => c.campaign_id),
      })
      const search = new Ranking.Search(
        candidates,
        optimisticCounts,
        first.scores,
        { positions, counters: noteFloor(firstCampaigns, first.counters) },
        valuation,
        searches,
      )
      for (;;) {
        const step = search.next()
        if (step._tag === "None") {
          search.release()
          return Option.none<ServingCampaign>()
        }
        if (step._tag === "Read") {
          servingCounts.furtherReads++
          const view = yield* counters.readForServing({
            clientId,
            scores: false,
            campaignIds: step.campaigns.map((c) => c.campaign_id),
          })
          search.read(noteFloor(step.campaigns, view.counters))
          continue
        }
        const { candidate } = step
        const { campaign } = candidate
        // The engine checked these already; the last word stays here, next to the admission.
        if (!CampaignLifecycle.isActive(campaign, day) || !Targeting.matches(campaign.targeting, client))
          continue
        const event = impression(candidate, clientId, day)
        const json = EventCodec.encodeText(event)
        const admission = yield* admissions.admit({
          campaignId: campaign.campaign_id,
          clientId,
          impressionsLimit: campaign.impressions_limit,
          costMicros: campaign.row.cost_per_impression_micros,
          event: { json, at: event.at, score: candidate.score },
        })
        if (admission === "limit") {
          // Out of the search for good: the next step offers the next best.
          servingCounts.admissionsAtLimit++
          continue
        }
        search.release()
        // A new admission recorded the event in the outbox in the same step; once JetStream has
        // it, the entry goes. Should the publish fail, `OutboxRelay` publishes it later.
        // A repeat is not charged again; publishing the same event id again is deduplicated.
        // A "new" admission happens once per (client, campaign), so the admission script learns
        // the served impression exactly once (the processor finds it already admitted,
        // "duplicate", and learns only the clicks and the impressions of outside producers); this
        // instance's click rates take it at once.
        if (admission === "new") clickRates.observeImpression(candidate.score)
        yield* publisher.publishText("impression", event.event_id, json)
        if (admission === "new") {
          outbox.confirmed(json)
          servingCounts.served++
        } else servingCounts.repeats++
        return Option.some(campaign)
      }
    }

    const serve = (clientId: ClientId) =>
      Effect.gen(function* () {
        const day = currentDay.get()
        const client = yield* clients.get(clientId)
        if (Option.isNone(client)) {
          servingCounts.refused.unknown_client++
          return yield* Effect.fail(Errors.notFound("client", clientId))
        }
        const candidates = index.candidates(client.value, day)
        if (candidates.campaigns.length === 0) {
          servingCounts.refused.no_candidate++
          return yield* Effect.fail(noAd(clientId))
        }
        const chosen = yield* choose(client.value, candidates, day)
        if (Option.isNone(chosen)) {
          servingCounts.refused.all_at_limit++
          return yield* Effect.fail(noAd(clientId))
        }
        return toAd(chosen.value)
      })

    return { serve } as const
  }),
  dependencies: [ClickRates.Default, MirroredAdmission.layer],
}) {}
