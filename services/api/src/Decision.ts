import { EventCodec, type EventPublisher } from "@adflow/bus"
import type {
  Admission,
  CountersApi,
  ImpressionOutboxApi,
  MirroredAdmission,
  ServingView,
} from "@adflow/counters"
import {
  type Ad,
  CampaignLifecycle,
  type ClientId,
  type Day,
  type Engine,
  Errors,
  Events,
  Money,
  Targeting,
} from "@adflow/domain"
import type { ClientRow } from "@adflow/store"
import { type Context, Exit } from "effect"
import type { Failure } from "./AdServing.js"
import type { CampaignIndex, ServingCampaign } from "./CampaignIndex.js"
import type { ClickRates } from "./ClickRates.js"
import type { ImpressionFloors } from "./ImpressionFloors.js"
import * as Ranking from "./Ranking.js"
import { servingCounts } from "./ServingMetrics.js"

/** What every decision of one API instance shares: its services and what it remembers between requests. */
export interface Deciding {
  readonly index: CampaignIndex
  readonly counters: CountersApi
  /** Admission that also writes the staging counters while `adflow rebuild` runs. */
  readonly admissions: Context.Tag.Service<MirroredAdmission>
  readonly publisher: EventPublisher
  readonly outbox: ImpressionOutboxApi
  readonly clickRates: ClickRates
  readonly floor: ImpressionFloors
  readonly openings: Ranking.Openings
  readonly searches: Ranking.SearchPool
  /** The valuation of the day's requests (rebuilt only when the index or the click rates change). */
  readonly valuationOn: (day: Day) => Engine.Ranking.Valuation
}

export type Done = (exit: Exit.Exit<Ad.Ad, Failure>) => void

const noAd = (clientId: ClientId) =>
  new Errors.NotFound({ error: Errors.Code.notFound, message: `no ad can be shown to client ${clientId}` })

// One answer object per campaign version (the index builds a new `ServingCampaign` on any
// change), not one per request; `AdsRoute` keeps its JSON text beside it.
const ads = new WeakMap<ServingCampaign, Ad.Ad>()
const toAd = (campaign: ServingCampaign): Ad.Ad => {
  let ad = ads.get(campaign)
  if (ad === undefined) {
    const { row } = campaign
    ad = {
      ad_id: row.campaign_id,
      ad_title: row.ad_title,
      ad_text: row.ad_text,
      advertiser_id: row.advertiser_id,
    }
    ads.set(campaign, ad)
  }
  return ad
}

type ImpressionFields = Parameters<typeof EventCodec.encodeImpressionText>[0]

/**
 * The decision for one client, in plain code around the I/O calls (no Effect step of its own,
 * CPU being what the request is short of): `done` is called once with its exit. The engine's
 * best candidate that admission accepts is found reading counters only as far as needed: the
 * client's scores with the most promising window's counters in one round trip, then further
 * windows only while an unread candidate could still be the best.
 *
 * Its steps are methods of one object per request, not closures made per request: under tsx
 * (which keeps function names) each named closure also cost a property definition.
 */
export class Decision {
  readonly #deciding: Deciding
  readonly #client: ClientRow
  readonly #day: Day
  readonly #done: Done
  readonly #fail: (error: Failure) => void
  #settled = false
  #candidates: Ranking.CandidateSet | undefined
  #valuation: Engine.Ranking.Valuation | undefined
  #opening: Ranking.Opening | undefined
  #search: Ranking.Search | undefined
  #reading: ReadonlyArray<ServingCampaign> = []
  #chosen: Ranking.Candidate | undefined
  #event: ImpressionFields | undefined
  #json = ""
  #admission: Admission | undefined

  constructor(deciding: Deciding, client: ClientRow, day: Day, done: Done) {
    this.#deciding = deciding
    this.#client = client
    this.#day = day
    this.#done = done
    this.#fail = (error) => this.#settle(Exit.fail(error))
  }

  /** Starts the decision: its first read, or its answer at once when nothing can be shown. */
  start(): void {
    try {
      const deciding = this.#deciding
      const candidates = deciding.index.candidates(this.#client, this.#day)
      this.#candidates = candidates
      if (candidates.campaigns.length === 0) {
        servingCounts.refused.no_candidate++
        return this.#settle(Exit.fail(noAd(this.#client.client_id)))
      }
      const valuation = deciding.valuationOn(this.#day)
      this.#valuation = valuation
      const opening = deciding.openings.of(candidates, deciding.floor, valuation)
      this.#opening = opening
      this.#reading = opening.campaigns
      deciding.counters.readForServingWith(
        { clientId: this.#client.client_id, scores: true, campaignIds: opening.campaignIds },
        (first) => this.#onFirst(first),
        this.#fail,
      )
    } catch (defect) {
      this.#die(defect)
    }
  }

  #settle(exit: Exit.Exit<Ad.Ad, Failure>): void {
    this.#settled = true
    this.#done(exit)
  }

  // Every step after an I/O reply runs in a callback: what it throws becomes the request's
  // defect, as in an Effect (a throw from `done` itself is not caught twice).
  #die(defect: unknown): void {
    if (this.#settled) throw defect
    this.#settle(Exit.die(defect))
  }

  /** Counters as read (flat, `ServingView.counters`), remembering the highest impressions count seen per campaign. */
  #noteFloor(counters: ReadonlyArray<number>): ReadonlyArray<number> {
    const campaigns = this.#reading
    const floor = this.#deciding.floor
    for (let k = 0; k < campaigns.length; k++) floor.raise(campaigns[k]!.slot, counters[4 * k]!)
    return counters
  }

  #onFirst(first: ServingView): void {
    try {
      const opening = this.#opening!
      this.#search = new Ranking.Search(
        this.#candidates!,
        opening.optimisticCounts,
        first.scores,
        { positions: opening.positions, counters: this.#noteFloor(first.counters) },
        this.#valuation!,
        this.#deciding.searches,
      )
      this.#run()
    } catch (defect) {
      this.#die(defect)
    }
  }

  #onRead(view: ServingView): void {
    try {
      this.#search!.read(this.#noteFloor(view.counters))
      this.#run()
    } catch (defect) {
      this.#die(defect)
    }
  }

  #run(): void {
    const search = this.#search!
    const client = this.#client
    const clientId = client.client_id
    const day = this.#day
    for (;;) {
      const step = search.next()
      if (step._tag === "None") {
        search.release()
        servingCounts.refused.all_at_limit++
        return this.#settle(Exit.fail(noAd(clientId)))
      }
      if (step._tag === "Read") {
        servingCounts.furtherReads++
        this.#reading = step.campaigns
        return this.#deciding.counters.readForServingWith(
          { clientId, scores: false, campaignIds: step.campaigns.map((c) => c.campaign_id) },
          (view) => this.#onRead(view),
          this.#fail,
        )
      }
      const chosen = step.candidate
      const { campaign } = chosen
      // The engine checked these already; the last word stays here, next to the admission.
      if (!CampaignLifecycle.isActive(campaign, day) || !Targeting.matches(campaign.targeting, client))
        continue
      this.#chosen = chosen
      // The impression's fields as a plain object, encoded as is: no `Events.Impression` instance.
      const event: ImpressionFields = {
        v: Events.SCHEMA_VERSION,
        event_id: Events.impressionId(campaign.campaign_id, clientId),
        campaign_id: campaign.campaign_id,
        advertiser_id: campaign.advertiser_id,
        client_id: clientId,
        day: day as Events.Impression["day"],
        cost: Money.toPrice(campaign.row.cost_per_impression_micros),
        score: chosen.score,
        at: Date.now(),
      }
      this.#event = event
      const json = EventCodec.encodeImpressionText(event)
      this.#json = json
      return this.#deciding.admissions.admitWith(
        {
          campaignId: campaign.campaign_id,
          clientId,
          impressionsLimit: campaign.impressions_limit,
          costMicros: campaign.row.cost_per_impression_micros,
          event: { json, at: event.at, score: chosen.score },
        },
        (reply) => this.#onAdmission(reply),
        this.#fail,
      )
    }
  }

  #onAdmission(reply: Admission): void {
    try {
      if (reply === "limit") {
        // Out of the search for good: the next step offers the next best.
        servingCounts.admissionsAtLimit++
        return this.#run()
      }
      this.#admission = reply
      this.#search!.release()
      // A new admission recorded the event in the outbox in the same step; once JetStream has
      // it, the entry goes. Should the publish fail, `OutboxRelay` publishes it later.
      // A repeat is not charged again; publishing the same event id again is deduplicated.
      // A "new" admission happens once per (client, campaign), so the admission script learns
      // the served impression exactly once (the processor finds it already admitted,
      // "duplicate", and learns only the clicks and the impressions of outside producers);
      // this instance's click rates take it at once.
      if (reply === "new") this.#deciding.clickRates.observeImpression(this.#chosen!.score)
      this.#deciding.publisher.publishTextWith(
        "impression",
        this.#event!.event_id,
        this.#json,
        () => this.#onPublished(),
        this.#fail,
      )
    } catch (defect) {
      this.#die(defect)
    }
  }

  #onPublished(): void {
    try {
      if (this.#admission === "new") {
        this.#deciding.outbox.confirmed(this.#json)
        servingCounts.served++
      } else servingCounts.repeats++
      this.#settle(Exit.succeed(toAd(this.#chosen!.campaign)))
    } catch (defect) {
      this.#die(defect)
    }
  }
}
