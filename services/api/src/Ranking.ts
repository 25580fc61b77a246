import type { CampaignView } from "@adflow/counters"
import type { ServingCampaign } from "./CampaignIndex.js"

/**
 * The order in which the ad request tries its candidates: a simple, replaceable placeholder
 * for the engine (packages/domain will bring the real one; swap `order` for it).
 *
 * First the campaigns this client has not seen and that are under their impression limit
 * (they earn), then the ones already seen (a repeat is free, but it is an answer), then those
 * at their limit (admission will most likely refuse them; the counters may have moved). Within
 * a group, the expected revenue of one impression: its price, plus the click price times a
 * fixed small click probability, plus a small bonus for the client's ML score.
 */

export interface Candidate {
  readonly campaign: ServingCampaign
  readonly view: CampaignView
  /** The client's ML score for the campaign's advertiser (0 when unknown). */
  readonly score: number
}

/** Assumed click probability until the engine learns one. */
export const CLICK_PRIOR = 0.05
/** At most this much (in micro-units) for the best score among the candidates. */
export const RELEVANCE_BONUS_MICROS = 10_000

/**
 * What a campaign can earn from one impression at most, before the client's counters and score
 * are known (the relevance bonus counted in full): the ad request reads counters for the
 * campaigns in this order, a window at a time, instead of for every eligible one.
 */
export const bestCase = (row: ServingCampaign["row"]): number =>
  row.cost_per_impression_micros + row.cost_per_click_micros * CLICK_PRIOR + RELEVANCE_BONUS_MICROS

/** Whether showing this candidate earns (the client has not seen it and it is under its limit). */
export const earns = ({ campaign, view }: Candidate): boolean =>
  !view.seen && view.impressions < campaign.row.impressions_limit

const group = ({ campaign, view }: Candidate): number =>
  view.seen ? 1 : view.impressions < campaign.row.impressions_limit ? 0 : 2

export const order = (candidates: ReadonlyArray<Candidate>): Array<Candidate> => {
  let maxScore = 0
  for (const candidate of candidates) if (candidate.score > maxScore) maxScore = candidate.score
  const value = ({ campaign: { row }, score }: Candidate): number =>
    row.cost_per_impression_micros +
    row.cost_per_click_micros * CLICK_PRIOR +
    (maxScore === 0 ? 0 : (RELEVANCE_BONUS_MICROS * score) / maxScore)
  return candidates
    .map((candidate) => ({ candidate, group: group(candidate), value: value(candidate) }))
    .sort(
      (a, b) =>
        a.group - b.group ||
        b.value - a.value ||
        (a.candidate.campaign.row.campaign_id < b.candidate.campaign.row.campaign_id ? -1 : 1),
    )
    .map(({ candidate }) => candidate)
}
