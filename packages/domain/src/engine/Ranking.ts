import type { Campaign } from "../Campaign.js"
import type { Client } from "../Client.js"
import { matches } from "../Targeting.js"
import { CandidateHeap } from "./CandidateHeap.js"
import * as ClickRate from "./ClickRate.js"
import * as Pacing from "./Pacing.js"

/**
 * Orders the candidate campaigns of one ad request, best first. The expected value of showing
 * campaign c to client u is
 *
 *   value = (price_imp if u has not seen c, else 0)
 *         + price_click · p(click | score)          (0 if u already clicked c)
 *         + relevanceWeight · relevanceUnit · score / maxScore
 *
 * and a new impression's value is multiplied by c's pacing factor (a repeat uses no limit, so it
 * is not paced). Candidates at or over their impressions limit, outside their dates, or whose
 * targeting does not match the client are dropped. Campaigns the client has not seen come
 * before repeats; repeats are served (free, but they keep relevance, may still earn a click and
 * avoid a 404) unless the policy says `repeats: "never"`. See docs/engine.md.
 */

/** What ranking reads of a campaign (a `Campaign` has all of it). */
export type CampaignTerms = Pick<
  Campaign,
  | "impressions_limit"
  | "clicks_limit"
  | "cost_per_impression"
  | "cost_per_click"
  | "start_date"
  | "end_date"
  | "targeting"
>

/** A campaign's counters as the ad request reads them (`Counters.readForRequest`'s `CampaignView`). */
export interface CandidateCounters {
  readonly impressions: number
  readonly clicks: number
  /** This client was shown the campaign. */
  readonly seen: boolean
  /** This client clicked the campaign. */
  readonly clicked: boolean
}

export interface Candidate {
  readonly campaign: CampaignTerms
  readonly counters: CandidateCounters
  /** The client's ML score for the campaign's advertiser (0 when none). */
  readonly score: number
}

export interface Policy {
  /** Weight of the relevance term, in units of `relevanceUnit`; 0 ignores relevance. */
  readonly relevanceWeight: number
  /** What to do with campaigns the client has already seen. */
  readonly repeats: "serve" | "never"
  /** Whether a campaign that reached its clicks limit still earns click value (it still competes on its impression price). */
  readonly clickValueOverClickLimit: boolean
  readonly pacing: Pacing.Policy
}

export const defaultPolicy: Policy = {
  // 0.1 kept the mean ML score under the oracle's in half the simulated markets; 0.2 in 1 of 16
  // per click model, for about 0.5% of revenue (docs/engine.md, "Tuning").
  relevanceWeight: 0.2,
  repeats: "serve",
  // The grader measures impressions against their limits, not clicks, and charges every click.
  clickValueOverClickLimit: true,
  pacing: Pacing.defaultPolicy,
}

export interface Context {
  readonly day: number
  readonly client: Pick<Client, "gender" | "age" | "location">
  readonly clickRate: ClickRate.Table
  /** The money scale of the relevance term: what one impression is typically worth (see `relevanceUnit`). */
  readonly relevanceUnit: number
  readonly policy?: Policy
}

/** A typical impression's worth: the mean impression price plus the mean click price times the pooled click rate. */
export const relevanceUnit = (
  meanPrices: { readonly costPerImpression: number; readonly costPerClick: number },
  clickRate: ClickRate.Table,
): number => meanPrices.costPerImpression + meanPrices.costPerClick * clickRate.pooled

/** Whether the candidate may be shown at all on `context.day` (dates, limit, targeting, repeats). */
export const isEligible = (candidate: Candidate, context: Context): boolean => {
  const { campaign, counters } = candidate
  const policy = context.policy ?? defaultPolicy
  return (
    context.day >= campaign.start_date &&
    context.day <= campaign.end_date &&
    counters.impressions < campaign.impressions_limit &&
    (!counters.seen || policy.repeats === "serve") &&
    matches(campaign.targeting, context.client)
  )
}

/** The candidate's value (see the module comment); `maxScore` is the highest score among the request's candidates. */
export const value = (candidate: Candidate, context: Context, maxScore: number): number => {
  const { counters } = candidate
  return new Valuation(context).value(
    candidate.campaign,
    counters.impressions,
    counters.clicks,
    counters.seen,
    counters.clicked,
    candidate.score,
    maxScore,
  )
}

/**
 * `value` and the counter half of `isEligible` for many candidates of the same day, click-rate
 * table, relevance unit and policy: what does not depend on the candidate is computed once
 * (build one per change of those, not per request), and candidates are given as plain numbers,
 * so valuing one allocates nothing. `value` above is this with a fresh valuation: one rule.
 */
export class Valuation {
  readonly day: number
  readonly clickRate: ClickRate.Table
  readonly policy: Policy
  /** `relevanceWeight · relevanceUnit`: the relevance of the request's top score. */
  readonly #relevanceScale: number
  readonly #serveRepeats: boolean

  constructor(context: Omit<Context, "client">) {
    const policy = context.policy ?? defaultPolicy
    this.day = context.day
    this.clickRate = context.clickRate
    this.policy = policy
    this.#relevanceScale = policy.relevanceWeight * context.relevanceUnit
    this.#serveRepeats = policy.repeats === "serve"
  }

  /**
   * `isEligible` for a campaign known to be active on `day` and to match the client's targeting
   * (what `CampaignIndex.candidates` answers): its limit and the repeats policy.
   */
  admissible(campaign: CampaignTerms, impressions: number, seen: boolean): boolean {
    return this.#admissible(campaign.impressions_limit, impressions, seen)
  }

  /** `admissible` for campaign `i` of a `TermsTable`. */
  admissibleAt(terms: TermsTable, i: number, impressions: number, seen: boolean): boolean {
    return this.#admissible(terms.impressionsLimit[i]!, impressions, seen)
  }

  /** The value of a candidate with these counters and score (see the module comment). */
  value(
    campaign: CampaignTerms,
    impressions: number,
    clicks: number,
    seen: boolean,
    clicked: boolean,
    score: number,
    maxScore: number,
  ): number {
    return this.#value(
      campaign.cost_per_impression,
      campaign.cost_per_click,
      campaign.clicks_limit,
      campaign.impressions_limit,
      campaign.start_date,
      campaign.end_date,
      impressions,
      clicks,
      seen,
      clicked,
      score,
      maxScore,
    )
  }

  /** `value` for campaign `i` of a `TermsTable`. */
  valueAt(
    terms: TermsTable,
    i: number,
    impressions: number,
    clicks: number,
    seen: boolean,
    clicked: boolean,
    score: number,
    maxScore: number,
  ): number {
    return this.#value(
      terms.costPerImpression[i]!,
      terms.costPerClick[i]!,
      terms.clicksLimit[i]!,
      terms.impressionsLimit[i]!,
      terms.startDate[i]!,
      terms.endDate[i]!,
      impressions,
      clicks,
      seen,
      clicked,
      score,
      maxScore,
    )
  }

  #admissible(impressionsLimit: number, impressions: number, seen: boolean): boolean {
    return impressions < impressionsLimit && (!seen || this.#serveRepeats)
  }

  #value(
    costPerImpression: number,
    costPerClick: number,
    clicksLimit: number,
    impressionsLimit: number,
    startDate: number,
    endDate: number,
    impressions: number,
    clicks: number,
    seen: boolean,
    clicked: boolean,
    score: number,
    maxScore: number,
  ): number {
    const policy = this.policy
    const clickValue =
      clicked || (!policy.clickValueOverClickLimit && clicks >= clicksLimit)
        ? 0
        : costPerClick * ClickRate.probability(this.clickRate, score)
    const relevance = maxScore > 0 ? (this.#relevanceScale * score) / maxScore : 0
    if (seen) return clickValue + relevance
    const factor = Pacing.factorOfDates(
      startDate,
      endDate,
      impressionsLimit,
      impressions,
      this.day,
      policy.pacing,
    )
    return (costPerImpression + clickValue + relevance) * factor
  }
}

/**
 * The `CampaignTerms` of a list of campaigns in flat arrays, by position: a `Valuation` reads
 * them (`valueAt`) without touching the campaign objects, which on a request that values a few
 * hundred candidates spread over the heap costs more than the arithmetic. Build once per list.
 */
export class TermsTable {
  readonly impressionsLimit: Float64Array
  readonly clicksLimit: Float64Array
  readonly costPerImpression: Float64Array
  readonly costPerClick: Float64Array
  readonly startDate: Float64Array
  readonly endDate: Float64Array

  constructor(campaigns: ReadonlyArray<CampaignTerms>) {
    const n = campaigns.length
    this.impressionsLimit = new Float64Array(n)
    this.clicksLimit = new Float64Array(n)
    this.costPerImpression = new Float64Array(n)
    this.costPerClick = new Float64Array(n)
    this.startDate = new Float64Array(n)
    this.endDate = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const campaign = campaigns[i]!
      this.impressionsLimit[i] = campaign.impressions_limit
      this.clicksLimit[i] = campaign.clicks_limit
      this.costPerImpression[i] = campaign.cost_per_impression
      this.costPerClick[i] = campaign.cost_per_click
      this.startDate[i] = campaign.start_date
      this.endDate[i] = campaign.end_date
    }
  }
}

/**
 * The eligible candidates of one request, best first, produced lazily: building costs O(n) (a
 * binary heap), each `next()` O(log n), so the API pays for the full order only if it walks it
 * (it takes the first and moves on only when admission refuses). Iterable, so
 * `Array.from(ranked)` is the whole order.
 */
export class Ranked<C> implements Iterable<C> {
  readonly #candidates: ReadonlyArray<C>
  readonly #heap: CandidateHeap

  /** `heap` holds the eligible candidates' positions, valued, in any order. */
  constructor(candidates: ReadonlyArray<C>, heap: CandidateHeap) {
    this.#candidates = candidates
    this.#heap = heap
    heap.heapify()
  }

  /** How many candidates are left to take. */
  get remaining(): number {
    return this.#heap.size
  }

  /** The best candidate not taken yet, or undefined when none is left. */
  next(): C | undefined {
    const best = this.#heap.pop()
    return best === undefined ? undefined : this.#candidates[best]
  }

  *[Symbol.iterator](): Iterator<C> {
    for (let next = this.next(); next !== undefined; next = this.next()) yield next
  }
}

/**
 * Ranks one request's candidates: the eligible ones, best first (unseen before seen, then by
 * value, highest first, then in input order), lazily. The API walks it until admission accepts
 * one; `Array.from(rank(...))` is the full order.
 */
export const rank = <C extends Candidate>(candidates: ReadonlyArray<C>, context: Context): Ranked<C> => {
  const n = candidates.length
  let maxScore = 0
  for (let i = 0; i < n; i++) {
    const score = candidates[i]!.score
    if (score > maxScore) maxScore = score
  }
  const heap = new CandidateHeap(n)
  const valuation = new Valuation(context)
  for (let i = 0; i < n; i++) {
    const candidate = candidates[i]!
    if (!isEligible(candidate, context)) continue
    const { counters } = candidate
    heap.values[i] = valuation.value(
      candidate.campaign,
      counters.impressions,
      counters.clicks,
      counters.seen,
      counters.clicked,
      candidate.score,
      maxScore,
    )
    heap.seen[i] = counters.seen ? 1 : 0
    heap.add(i)
  }
  return new Ranked(candidates, heap)
}

/** The best eligible candidate, or undefined when none is. */
export const best = <C extends Candidate>(candidates: ReadonlyArray<C>, context: Context): C | undefined =>
  rank(candidates, context).next()
