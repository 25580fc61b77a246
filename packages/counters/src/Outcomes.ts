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
