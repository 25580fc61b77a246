import { type BusError, EventCodec, EventPublisher } from "@adflow/bus"
import {
  type Admission,
  Counters,
  type CountersError,
  ImpressionOutbox,
  MirroredAdmission,
  type ServingView,
} from "@adflow/counters"
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
import { Effect, Exit, Option, Runtime } from "effect"
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

/** Why `GET /ads` has no answer: no such client or no ad for it (404), or a server failing (503). */
export type Failure = Errors.NotFound | CountersError | BusError | ClientReadError

type ClientReadError = Effect.Effect.Error<ReturnType<ClientCache["get"]>>

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

    // Only a client missing from memory is read through an Effect (`ClientCache.get`).
    const runCallback = Runtime.runCallback(yield* Effect.runtime<never>())

    /**
     * The decision for a client, in plain code around the I/O calls (no Effect step of its own,
     * CPU being what the request is short of): `done` is called once with its exit. The
     * engine's best candidate that admission accepts is found reading counters only as far as
     * needed: the client's scores with the most promising window's counters in one round trip,
     * then further windows only while an unread candidate could still be the best.
     */
    const decide = (client: ClientRow, day: Day, done: (exit: Exit.Exit<Ad.Ad, Failure>) => void): void => {
      const clientId = client.client_id
      let settled = false
      const settle = (exit: Exit.Exit<Ad.Ad, Failure>) => {
        settled = true
        done(exit)
      }
      const fail = (error: Failure) => settle(Exit.fail(error))
      // Every step after an I/O reply runs in a callback: what it throws becomes the request's
      // defect, as in an Effect (a throw from `done` itself is not caught twice).
      const attempt = (step: () => void) => {
        try {
          step()
        } catch (defect) {
          if (settled) throw defect
          settle(Exit.die(defect))
        }
      }

      let candidates: Ranking.CandidateSet
      let valuation: Engine.Ranking.Valuation
      let opening: Ranking.Opening
      let search: Ranking.Search
      let reading: ReadonlyArray<ServingCampaign>
      let chosen: Ranking.Candidate
      let event: Events.Impression
      let json: string
      let admission: Admission

      const run = () => {
        for (;;) {
          const step = search.next()
          if (step._tag === "None") {
            search.release()
            servingCounts.refused.all_at_limit++
            return settle(Exit.fail(noAd(clientId)))
          }
          if (step._tag === "Read") {
            servingCounts.furtherReads++
            reading = step.campaigns
            return counters.readForServingWith(
              { clientId, scores: false, campaignIds: reading.map((c) => c.campaign_id) },
              onRead,
              fail,
            )
          }
          chosen = step.candidate
          const { campaign } = chosen
          // The engine checked these already; the last word stays here, next to the admission.
          if (!CampaignLifecycle.isActive(campaign, day) || !Targeting.matches(campaign.targeting, client))
            continue
          event = impression(chosen, clientId, day)
          json = EventCodec.encodeText(event)
          return admissions.admitWith(
            {
              campaignId: campaign.campaign_id,
              clientId,
              impressionsLimit: campaign.impressions_limit,
              costMicros: campaign.row.cost_per_impression_micros,
              event: { json, at: event.at, score: chosen.score },
            },
            onAdmission,
            fail,
          )
        }
      }

      const onFirst = (first: ServingView) =>
        attempt(() => {
          search = new Ranking.Search(
            candidates,
            opening.optimisticCounts,
            first.scores,
            { positions: opening.positions, counters: noteFloor(reading, first.counters) },
            valuation,
            searches,
          )
          run()
        })

      const onRead = (view: ServingView) =>
        attempt(() => {
          search.read(noteFloor(reading, view.counters))
          run()
        })

      const onAdmission = (reply: Admission) =>
        attempt(() => {
          if (reply === "limit") {
            // Out of the search for good: the next step offers the next best.
            servingCounts.admissionsAtLimit++
            return run()
          }
          admission = reply
          search.release()
          // A new admission recorded the event in the outbox in the same step; once JetStream has
          // it, the entry goes. Should the publish fail, `OutboxRelay` publishes it later.
          // A repeat is not charged again; publishing the same event id again is deduplicated.
          // A "new" admission happens once per (client, campaign), so the admission script learns
          // the served impression exactly once (the processor finds it already admitted,
          // "duplicate", and learns only the clicks and the impressions of outside producers);
          // this instance's click rates take it at once.
          if (admission === "new") clickRates.observeImpression(chosen.score)
          publisher.publishTextWith("impression", event.event_id, json, onPublished, fail)
        })

      const onPublished = () =>
        attempt(() => {
          if (admission === "new") {
            outbox.confirmed(json)
            servingCounts.served++
          } else servingCounts.repeats++
          settle(Exit.succeed(toAd(chosen.campaign)))
        })

      attempt(() => {
        candidates = index.candidates(client, day)
        const { campaigns } = candidates
        if (campaigns.length === 0) {
          servingCounts.refused.no_candidate++
          return settle(Exit.fail(noAd(clientId)))
        }
        valuation = valuationOn(day)
        opening = openings.of(candidates, floor, valuation)
        reading = opening.positions.map((i) => campaigns[i]!)
        counters.readForServingWith(
          { clientId, scores: true, campaignIds: reading.map((c) => c.campaign_id) },
          onFirst,
          fail,
        )
      })
    }

    /** `GET /ads` in plain code: `done` is called once, with the answer or why there is none. */
    const serveWith = (clientId: ClientId, done: (exit: Exit.Exit<Ad.Ad, Failure>) => void): void => {
      const day = currentDay.get()
      const held = clients.held(clientId)
      if (held !== undefined) return decide(held, day, done)
      runCallback(clients.get(clientId), {
        onExit: (exit) => {
          if (Exit.isFailure(exit)) return done(Exit.failCause(exit.cause))
          if (Option.isNone(exit.value)) {
            servingCounts.refused.unknown_client++
            return done(Exit.fail(Errors.notFound("client", clientId)))
          }
          decide(exit.value.value, day, done)
        },
      })
    }

    /** `GET /ads` as an Effect (the HttpApi endpoint): the same decision, as one asynchronous step. */
    const serve = (clientId: ClientId): Effect.Effect<Ad.Ad, Failure> =>
      Effect.async<Ad.Ad, Failure>((resume) => serveWith(clientId, resume))

    return { serve, serveWith } as const
  }),
  dependencies: [ClickRates.Default, MirroredAdmission.layer],
}) {}
