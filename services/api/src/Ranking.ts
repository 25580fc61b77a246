import type { CampaignView } from "@adflow/counters"
import { type AdvertiserId, type CampaignId, Engine } from "@adflow/domain"
import type { ServingCampaign } from "./CampaignIndex.js"
import type { ImpressionFloors } from "./ImpressionFloors.js"

/**
 * The I/O-free half of the ad request around the engine (`Engine.Ranking`, packages/domain):
 * which candidates' counters to read, and when what was read is enough.
 *
 * Reading every candidate's counters would cost the API CPU per campaign, so the request reads
 * the client's scores with the counters of a first window (`firstWindow`, one script call),
 * then counters a window at a time, best first by an upper bound. A candidate not read yet is ranked with optimistic
 * counters: not seen, not clicked, and the highest impressions count this instance has read
 * for it (0 if none). Impressions only grow and the value falls as they grow (pacing), and an
 * unseen campaign is worth more than a seen one, so its rank value is at least its true one.
 * Hence, when the engine's best is a candidate already read, no unread one could beat it; when
 * it is an unread one, the request reads the next window (`Search`).
 */

export interface Candidate extends Engine.Ranking.Candidate {
  readonly campaign: ServingCampaign
  /** Whether `counters` were read for this request (otherwise they are the optimistic guess). */
  readonly read: boolean
}

/** Campaigns whose counters one round trip reads. */
export const WINDOW = 16

/** The optimistic counters of a candidate not read yet. */
export const optimistic = (impressionsAtLeast: number): CampaignView => ({
  impressions: impressionsAtLeast,
  clicks: 0,
  seen: false,
  clicked: false,
})

/**
 * A repeat uses no limit (admission answers "repeat" before it looks at the count, and nothing
 * is charged), so a campaign the client has seen stays servable as a repeat at its limit: the
 * engine, which drops every candidate at its limit, sees it just under. Only eligibility reads
 * the count of a seen campaign (its value is not paced).
 */
export const repeatable = (campaign: ServingCampaign, counters: CampaignView): CampaignView =>
  counters.seen && counters.impressions >= campaign.impressions_limit && campaign.impressions_limit > 0
    ? { ...counters, impressions: campaign.impressions_limit - 1 }
    : counters

/** Kept under the limit: the client may have seen it, and a repeat is servable at the limit. */
const optimisticImpressions = (campaign: ServingCampaign, floor: ImpressionFloors) =>
  Math.min(floor.get(campaign.slot), Math.max(0, campaign.impressions_limit - 1))

/** What the campaign index answers for one client: its candidates, grouped by advertiser. */
export interface CandidateSet {
  readonly campaigns: ReadonlyArray<ServingCampaign>
  /** The advertisers of `campaigns`, each once, in order of first appearance. */
  readonly advertiserIds: ReadonlyArray<AdvertiserId>
  /** Per campaign, the position of its advertiser in `advertiserIds`. */
  readonly advertiserOf: Int32Array
  /** Per advertiser in `advertiserIds`, its position there. */
  readonly advertiserPositions: ReadonlyMap<string, number>
  /** Per campaign, what the engine values it by, and its `slot`: the search reads no campaign object. */
  readonly terms: Engine.Ranking.TermsTable
  readonly slots: Int32Array
}

export const candidateSet = (campaigns: ReadonlyArray<ServingCampaign>): CandidateSet => {
  const positions = new Map<AdvertiserId, number>()
  const advertiserOf = new Int32Array(campaigns.length)
  for (let i = 0; i < campaigns.length; i++) {
    const advertiserId = campaigns[i]!.advertiser_id
    let at = positions.get(advertiserId)
    if (at === undefined) {
      at = positions.size
      positions.set(advertiserId, at)
    }
    advertiserOf[i] = at
  }
  return {
    campaigns,
    advertiserIds: Array.from(positions.keys()),
    advertiserOf,
    advertiserPositions: positions,
    terms: new Engine.Ranking.TermsTable(campaigns),
    slots: Int32Array.from(campaigns, (campaign) => campaign.slot),
  }
}

/**
 * The impressions count each campaign is ranked with until it is read (`floor`: the highest
 * count this instance has read per campaign): `firstWindow` and `Search` share it.
 */
export const optimisticCounts = ({ slots, terms }: CandidateSet, floor: ImpressionFloors): Float64Array => {
  const n = slots.length
  const counts = new Float64Array(n)
  for (let i = 0; i < n; i++)
    counts[i] = Math.min(floor.get(slots[i]!), Math.max(0, terms.impressionsLimit[i]! - 1))
  return counts
}

/**
 * The candidates of one request: read ones with their counters, the others optimistic (`floor`
 * holds the highest impressions count this instance has read per campaign).
 */
export const candidates = (
  campaigns: ReadonlyArray<ServingCampaign>,
  scores: ReadonlyMap<string, number>,
  read: ReadonlyMap<CampaignId, CampaignView>,
  floor: ImpressionFloors,
): Array<Candidate> =>
  campaigns.map((campaign) => {
    const counters = read.get(campaign.campaign_id)
    return {
      campaign,
      counters:
        counters === undefined
          ? optimistic(optimisticImpressions(campaign, floor))
          : repeatable(campaign, counters),
      score: scores.get(campaign.advertiser_id) ?? 0,
      read: counters !== undefined,
    }
  })

export type Step =
  /** The engine's best among everything: try to admit it. */
  | { readonly _tag: "Admit"; readonly candidate: Candidate }
  /** Read these campaigns' counters (the unread ones the engine ranks highest), then `Search.read`. */
  | { readonly _tag: "Read"; readonly campaigns: ReadonlyArray<ServingCampaign> }
  | { readonly _tag: "None" }

/**
 * The campaigns to read with the client's scores, before they are known: the positions of the
 * `window` with the highest optimistic value for a score of 0. Any choice is correct (`Search` reads on until its
 * best was read); a good one saves the request a second round trip. `campaigns` are what the
 * campaign index answers for the client (active, targeting it), as for `Search`.
 */
export const firstWindow = (
  { terms }: CandidateSet,
  optimisticCounts: Float64Array,
  valuation: Engine.Ranking.Valuation,
  window: number = WINDOW,
): Array<number> => {
  // The best `window` so far, by value descending: a sorted insertion per better campaign.
  const chosen: Array<number> = []
  const values: Array<number> = []
  for (let i = 0; i < optimisticCounts.length; i++) {
    const impressions = optimisticCounts[i]!
    if (!valuation.admissibleAt(terms, i, impressions, false)) continue
    const value = valuation.valueAt(terms, i, impressions, 0, false, false, 0, 0)
    if (chosen.length === window && value <= values[window - 1]!) continue
    let at = Math.min(chosen.length, window - 1)
    while (at > 0 && values[at - 1]! < value) at--
    chosen.splice(at, 0, i)
    values.splice(at, 0, value)
    if (chosen.length > window) {
      chosen.pop()
      values.pop()
    }
  }
  return chosen
}

/** Where a request starts: the optimistic counts of its candidates and the first window to read. */
export interface Opening {
  readonly optimisticCounts: Float64Array
  readonly positions: ReadonlyArray<number>
  /** The campaigns at `positions`, and their ids: what the first read asks for. */
  readonly campaigns: ReadonlyArray<ServingCampaign>
  readonly campaignIds: ReadonlyArray<CampaignId>
}

/** How long an `Opening` is reused: long enough to serve many requests of the same candidate set. */
export const OPENING_REUSE_MS = 1_000

/**
 * The `Opening` of each candidate set, computed again after `OPENING_REUSE_MS`, not per request
 * (with its floor lookups and the values of every candidate, that was a twentieth of the
 * request's CPU). Reusing one is exact: impressions only grow, so the floors it was computed
 * from are still lower bounds of the live counts (the optimistic values still upper bounds), and
 * any first window is correct (`firstWindow`), however the valuation (the click-rate table,
 * re-estimated every few ms under load) moved since; a stale one can only cost a request another
 * window read (`adflow_ads_further_reads_total`). `Search` only reads the counts, so requests
 * share them. A set is per index version: a new day or campaign change brings new sets.
 */
export class Openings {
  readonly #reuseMs: number
  readonly #kept = new WeakMap<CandidateSet, { readonly opening: Opening; readonly at: number }>()

  constructor(reuseMs: number = OPENING_REUSE_MS) {
    this.#reuseMs = reuseMs
  }

  of(set: CandidateSet, floor: ImpressionFloors, valuation: Engine.Ranking.Valuation): Opening {
    const now = performance.now()
    const kept = this.#kept.get(set)
    if (kept !== undefined && now - kept.at < this.#reuseMs) return kept.opening
    const counts = optimisticCounts(set, floor)
    const positions = firstWindow(set, counts, valuation)
    const campaigns = positions.map((i) => set.campaigns[i]!)
    const opening = {
      optimisticCounts: counts,
      positions,
      campaigns,
      campaignIds: campaigns.map((campaign) => campaign.campaign_id),
    }
    this.#kept.set(set, { opening, at: now })
    return opening
  }
}

/**
 * The arrays one `Search` works in, with room for `capacity` candidates. Allocated per request
 * they were seven typed arrays and an array, and garbage collection was the largest share of the
 * ad request's CPU; a `SearchPool` hands them out and takes them back when a search is done.
 */
export class SearchBuffers {
  readonly capacity: number
  /** Per candidate, the client's score for its advertiser. */
  readonly scores: Float64Array
  /** Per advertiser of the candidate set, the client's score (advertisers never outnumber candidates). */
  readonly advertiserScores: Float64Array
  /** Per candidate: 1 once its counters were read. */
  readonly read: Uint8Array
  /** Per candidate once read, four numbers: impressions (as `repeatable`), clicks, seen and clicked (0/1). */
  readonly counters: Float64Array
  readonly heap: Engine.CandidateHeap.CandidateHeap

  constructor(capacity: number) {
    this.capacity = capacity
    this.scores = new Float64Array(capacity)
    this.advertiserScores = new Float64Array(capacity)
    this.read = new Uint8Array(capacity)
    this.counters = new Float64Array(4 * capacity)
    this.heap = new Engine.CandidateHeap.CandidateHeap(capacity)
  }
}

/** Buffers kept for reuse at most: more than the requests one process has in flight at once. */
const POOLED_BUFFERS = 256

/**
 * `SearchBuffers` for reuse. A search that is never released (its request failed) just leaves
 * its buffers to the garbage collector; a released one must not be used again (`Search.release`).
 */
export class SearchPool {
  readonly #free: Array<SearchBuffers> = []

  acquire(candidates: number): SearchBuffers {
    const free = this.#free
    while (free.length > 0) {
      const buffers = free.pop()!
      if (buffers.capacity >= candidates) return buffers
    }
    // Rounded up, so a pool serving candidate sets of many sizes settles on a few capacities.
    return new SearchBuffers(Math.max(64, 2 ** Math.ceil(Math.log2(candidates))))
  }

  release(buffers: SearchBuffers): void {
    if (this.#free.length < POOLED_BUFFERS) this.#free.push(buffers)
  }
}

/**
 * One request's walk through its candidates in the engine's order (`Engine.Ranking.rank`: unseen
 * before seen, then by value, then input order), reading counters as it goes: a binary heap of
 * the eligible candidates, unread ones at their optimistic value. The top one, once read, is the
 * engine's best (see the module comment); an unread top is read with the next best unread ones
 * (`window`), and they go back into the heap at their true value. So each candidate is valued
 * once, plus once more if read, instead of ranking them all again after every read.
 */
export class Search {
  readonly #campaigns: ReadonlyArray<ServingCampaign>
  readonly #terms: Engine.Ranking.TermsTable
  readonly #optimistic: Float64Array
  readonly #valuation: Engine.Ranking.Valuation
  readonly #maxScore: number
  readonly #pool: SearchPool | undefined
  #buffers: SearchBuffers | undefined
  /** The candidates the last `Read` step named. */
  #pending: Array<number> = []

  /**
   * `campaigns` are what the campaign index answers for the client: active on the valuation's
   * day and targeting the client, so only limits and repeats are checked here (admission
   * checks dates and targeting once more for the one it admits).
   */
  constructor(
    { advertiserIds, advertiserOf, advertiserPositions, campaigns, terms }: CandidateSet,
    optimisticCounts: Float64Array,
    /** The client's scores as stored (advertiser id, score, ...: `ServingView.scores`); 0 for any other advertiser. */
    scores: ReadonlyArray<string>,
    /** The counters read with the scores: of the candidates at `positions` (`firstWindow`), flat as `ServingView.counters`. */
    first: {
      readonly positions: ReadonlyArray<number>
      readonly counters: ReadonlyArray<number>
    },
    valuation: Engine.Ranking.Valuation,
    /** Where the buffers come from, and go back to on `release`; without one, they are the search's own. */
    pool?: SearchPool,
  ) {
    const n = campaigns.length
    const buffers = pool === undefined ? new SearchBuffers(n) : pool.acquire(n)
    const advertiserScores = buffers.advertiserScores
    advertiserScores.fill(0, 0, advertiserIds.length)
    for (let k = 0; k < scores.length; k += 2) {
      const a = advertiserPositions.get(scores[k]!)
      if (a !== undefined) advertiserScores[a] = Number(scores[k + 1])
    }
    this.#campaigns = campaigns
    this.#terms = terms
    this.#optimistic = optimisticCounts
    this.#valuation = valuation
    this.#pool = pool
    this.#buffers = buffers
    buffers.read.fill(0, 0, n)
    buffers.heap.clear()
    let maxScore = 0
    for (let i = 0; i < n; i++) {
      const score = advertiserScores[advertiserOf[i]!]!
      buffers.scores[i] = score
      if (score > maxScore) maxScore = score
    }
    const { counters, positions } = first
    for (let k = 0; k < positions.length; k++) this.#store(buffers, positions[k]!, counters, k)
    this.#maxScore = maxScore
    for (let i = 0; i < n; i++) if (this.#value(buffers, i)) buffers.heap.add(i)
    buffers.heap.heapify()
  }

  /** The buffers, or a defect when the search was released (its buffers may serve another request by now). */
  #inUse(): SearchBuffers {
    if (this.#buffers === undefined) throw new Error("Ranking.Search used after release")
    return this.#buffers
  }

  /** Candidate i's counters from the k-th campaign of `ServingView.counters`, as `repeatable`. */
  #store(buffers: SearchBuffers, i: number, counters: ReadonlyArray<number>, k: number): void {
    const seen = counters[4 * k + 2] === 1
    const impressions = counters[4 * k]!
    const limit = this.#terms.impressionsLimit[i]!
    const at = 4 * i
    buffers.counters[at] = seen && impressions >= limit && limit > 0 ? limit - 1 : impressions
    buffers.counters[at + 1] = counters[4 * k + 1]!
    buffers.counters[at + 2] = seen ? 1 : 0
    buffers.counters[at + 3] = counters[4 * k + 3] === 1 ? 1 : 0
    buffers.read[i] = 1
  }

  /** Candidate i as the engine sees it (a new object: it leaves the search). */
  #candidate(buffers: SearchBuffers, i: number): Candidate {
    const read = buffers.read[i] === 1
    const at = 4 * i
    return {
      campaign: this.#campaigns[i]!,
      counters: read
        ? {
            impressions: buffers.counters[at]!,
            clicks: buffers.counters[at + 1]!,
            seen: buffers.counters[at + 2] === 1,
            clicked: buffers.counters[at + 3] === 1,
          }
        : optimistic(this.#optimistic[i]!),
      score: buffers.scores[i]!,
      read,
    }
  }

  /** The next step: admit the best (taken out; a refusal just asks for the next), read, or none. */
  next(window: number = WINDOW): Step {
    const buffers = this.#inUse()
    const heap = buffers.heap
    const first = heap.pop()
    if (first === undefined) return { _tag: "None" }
    if (buffers.read[first] === 1) return { _tag: "Admit", candidate: this.#candidate(buffers, first) }
    const pending = [first]
    const campaigns = [this.#campaigns[first]!]
    const passed: Array<number> = []
    while (campaigns.length < window && heap.size > 0) {
      const i = heap.pop()!
      if (buffers.read[i] === 1) passed.push(i)
      else {
        pending.push(i)
        campaigns.push(this.#campaigns[i]!)
      }
    }
    for (const i of passed) heap.push(i)
    this.#pending = pending
    return { _tag: "Read", campaigns }
  }

  /**
   * The counters of the campaigns the last `Read` step named, in its order and flat as
   * `ServingView.counters`: they rejoin at their true value.
   */
  read(counters: ReadonlyArray<number>): void {
    const buffers = this.#inUse()
    const pending = this.#pending
    for (let k = 0; k < pending.length; k++) {
      const i = pending[k]!
      this.#store(buffers, i, counters, k)
      if (this.#value(buffers, i)) buffers.heap.push(i)
    }
    this.#pending = []
  }

  /**
   * Gives the buffers back to the pool: the search is over (no further `next` or `read`). The
   * candidates it answered stay valid (they hold copies).
   */
  release(): void {
    const buffers = this.#buffers
    if (buffers === undefined) return
    this.#buffers = undefined
    this.#pool?.release(buffers)
  }

  /** Values candidate i; false when it is not eligible. */
  #value(buffers: SearchBuffers, i: number): boolean {
    const terms = this.#terms
    const valuation = this.#valuation
    const heap = buffers.heap
    if (buffers.read[i] !== 1) {
      const impressions = this.#optimistic[i]!
      if (!valuation.admissibleAt(terms, i, impressions, false)) return false
      heap.values[i] = valuation.valueAt(
        terms,
        i,
        impressions,
        0,
        false,
        false,
        buffers.scores[i]!,
        this.#maxScore,
      )
      heap.seen[i] = 0
      return true
    }
    const at = 4 * i
    const impressions = buffers.counters[at]!
    const seen = buffers.counters[at + 2] === 1
    if (!valuation.admissibleAt(terms, i, impressions, seen)) return false
    heap.values[i] = valuation.valueAt(
      terms,
      i,
      impressions,
      buffers.counters[at + 1]!,
      seen,
      buffers.counters[at + 3] === 1,
      buffers.scores[i]!,
      this.#maxScore,
    )
    heap.seen[i] = seen ? 1 : 0
    return true
  }
}
