import type { AdvertiserId, CampaignId } from "@adflow/domain"

/** The ad request's admission of an impression. */
export type Admission = "new" | "repeat" | "limit"

/** What applying one impression event did. */
export type ImpressionOutcome = "applied" | "duplicate"

/** What applying one click event did; `not_seen`: the client was never shown the campaign, nothing changed. */
export type ClickOutcome = "applied" | "duplicate" | "not_seen"

/** What applying one score update did; `stale`: a newer update is already stored, nothing changed. */
export type ScoreOutcome = "applied" | "duplicate" | "stale"

/** A campaign's totals; money in micro-units. */
export interface CampaignCounters {
  readonly impressions: number
  readonly clicks: number
  readonly spentImpressionsMicros: number
  readonly spentClicksMicros: number
}

/** What the ad request needs of one candidate campaign, for one client. */
export interface CampaignView {
  readonly impressions: number
  readonly clicks: number
  /** This client was shown the campaign. */
  readonly seen: boolean
  /** This client clicked the campaign. */
  readonly clicked: boolean
}

export interface RequestView {
  /** The client's ML score per requested advertiser; 0 when none was ever set. */
  readonly scores: ReadonlyMap<AdvertiserId, number>
  readonly campaigns: ReadonlyMap<CampaignId, CampaignView>
}

/** `Counters.readForServing`'s answer, flat: no map, and no object per campaign. */
export interface ServingView {
  /** The client's whole score hash as stored (advertiser id, score, ...); empty if not asked for. */
  readonly scores: ReadonlyArray<string>
  /** Per campaign asked for, in its order: impressions, clicks, seen (0/1), clicked (0/1). */
  readonly counters: ReadonlyArray<number>
}

/** The k-th campaign of `ServingView.counters`. */
export const campaignViewAt = (counters: ReadonlyArray<number>, k: number): CampaignView => ({
  impressions: counters[4 * k]!,
  clicks: counters[4 * k + 1]!,
  seen: counters[4 * k + 2] === 1,
  clicked: counters[4 * k + 3] === 1,
})
