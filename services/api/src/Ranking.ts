import type { CampaignView } from "@adflow/counters"
import { type CampaignId, Engine } from "@adflow/domain"
import type { ServingCampaign } from "./CampaignIndex.js"

/**
 * The I/O-free half of the ad request around the engine (`Engine.Ranking`, packages/domain):
 * which candidates' counters to read, and when what was read is enough.
 *
 * Reading every candidate's counters costs three Redis commands each, and the API is CPU-bound
 * on them, so the request reads the client's scores first (one command), then counters a window
 * at a time, best first by an upper bound. A candidate not read yet is ranked with optimistic
 * counters: not seen, not clicked, and the highest impressions count this instance has read
 * for it (0 if none). Impressions only grow and the value falls as they grow (pacing), and an
 * unseen campaign is worth more than a seen one, so its rank value is at least its true one.
 * Hence, when the engine's best is a candidate already read, no unread one could beat it; when
 * it is an unread one, the request reads the next window and ranks again.
 */

export interface Candidate extends Engine.Ranking.Candidate {
  readonly campaign: ServingCampaign
  /** Whether `counters` were read for this request (otherwise they are the optimistic guess). */
  readonly read: boolean
}

/** Campaigns whose counters one round trip reads. */
export const WINDOW = 8

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

/**
 * The candidates of one request: read ones with their counters, the others optimistic (`floor`
 * holds the highest impressions count this instance has read per campaign).
 */
export const candidates = (
  campaigns: ReadonlyArray<ServingCampaign>,
  scores: ReadonlyMap<string, number>,
  read: ReadonlyMap<CampaignId, CampaignView>,
  floor: ReadonlyMap<CampaignId, number>,
): Array<Candidate> =>
  campaigns.map((campaign) => {
    const counters = read.get(campaign.campaign_id)
    return {
      campaign,
      counters:
        counters === undefined
          ? // Kept under the limit: the client may have seen it, and a repeat is servable at the limit.
            optimistic(
              Math.min(floor.get(campaign.campaign_id) ?? 0, Math.max(0, campaign.impressions_limit - 1)),
            )
          : repeatable(campaign, counters),
      score: scores.get(campaign.advertiser_id) ?? 0,
      read: counters !== undefined,
    }
  })

export type Step =
  /** The engine's best among everything: try to admit it. */
  | {
      readonly _tag: "Admit"
      readonly candidate: Candidate
      readonly ranked: Engine.Ranking.Ranked<Candidate>
    }
  /** Read these campaigns' counters (the unread ones the engine ranks highest), then rank again. */
  | { readonly _tag: "Read"; readonly campaigns: ReadonlyArray<ServingCampaign> }
  | { readonly _tag: "None" }

/**
 * Walks a ranking until the first candidate that was read (to admit) or the first that was not
 * (then up to `window` unread ones, best first, to read).
 */
export const step = (ranked: Engine.Ranking.Ranked<Candidate>, window: number = WINDOW): Step => {
  const first = ranked.next()
  if (first === undefined) return { _tag: "None" }
  if (first.read) return { _tag: "Admit", candidate: first, ranked }
  const campaigns = [first.campaign]
  for (let next = ranked.next(); next !== undefined && campaigns.length < window; next = ranked.next())
    if (!next.read) campaigns.push(next.campaign)
  return { _tag: "Read", campaigns }
}
