/**
 * Pacing: spread a campaign's impressions limit over its days so it is filled by the end rather
 * than exhausted on the first day, and favour campaigns at risk of under-delivery.
 *
 * The schedule is linear: by the end of day `d` a campaign running `start..end` should have
 * delivered `limit · (d - start + 1) / (end - start + 1)`. Equivalently, what is left is spread
 * evenly over the days left, today included. The factor compares the delivered share with the
 * share due by the end of today: behind schedule boosts (up to `maxFactor`), ahead damps (down to
 * `minFactor`), never to zero, because an impression sold now beats a speculative one later. On
 * the last day whatever is left must go: the factor is `maxFactor`.
 */

export interface Policy {
  /** The factor of a campaign far ahead of schedule; > 0. */
  readonly minFactor: number
  /** The factor of a campaign far behind schedule, and of any campaign on its last day. */
  readonly maxFactor: number
  /** How strongly the schedule lag (a share of the limit) moves the factor away from 1. */
  readonly gain: number
}

// Chosen with the offline sweep over 16 seeds x 2 click models (docs/engine.md, "Tuning"): a
// gentler push than 0.5 / 1.5 / 2 keeps more of the myopic revenue while still spreading limits.
export const defaultPolicy: Policy = { minFactor: 0.7, maxFactor: 1.3, gain: 1 }

/** What pacing needs to know of a campaign. */
export interface Schedule {
  readonly impressions_limit: number
  readonly start_date: number
  readonly end_date: number
}

export type Pace =
  | { readonly eligible: false; readonly reason: "not_started" | "ended" | "limit_reached" }
  | {
      readonly eligible: true
      /** Multiplies the value of a new impression for this campaign. */
      readonly factor: number
      /** Days left, today included (1 on the last day). */
      readonly daysLeft: number
      /** Impressions still allowed. */
      readonly remaining: number
      /** The even share of `remaining` for today: `ceil(remaining / daysLeft)`. */
      readonly todayShare: number
    }

/** The pace of a campaign that has delivered `impressions` so far, on `day`. */
export const pace = (
  schedule: Schedule,
  impressions: number,
  day: number,
  policy: Policy = defaultPolicy,
): Pace => {
  if (day < schedule.start_date) return { eligible: false, reason: "not_started" }
  if (day > schedule.end_date) return { eligible: false, reason: "ended" }
  const remaining = schedule.impressions_limit - impressions
  if (!(remaining > 0)) return { eligible: false, reason: "limit_reached" }
  const daysLeft = schedule.end_date - day + 1
  return {
    eligible: true,
    factor: factorOf(schedule, impressions, day, policy),
    daysLeft,
    remaining,
    todayShare: Math.ceil(remaining / daysLeft),
  }
}

/**
 * The pacing factor alone, without allocating: assumes the campaign is active and under its
 * limit (as `pace` checks). Non-increasing in `impressions`; `maxFactor` on the last day.
 */
export const factorOf = (
  schedule: Schedule,
  impressions: number,
  day: number,
  policy: Policy = defaultPolicy,
): number =>
  factorOfDates(schedule.start_date, schedule.end_date, schedule.impressions_limit, impressions, day, policy)

/** `factorOf` with the schedule as plain numbers (for callers that keep campaigns in flat arrays). */
export const factorOfDates = (
  startDate: number,
  endDate: number,
  impressionsLimit: number,
  impressions: number,
  day: number,
  policy: Policy,
): number => {
  if (day >= endDate) return policy.maxFactor
  const duration = endDate - startDate + 1
  const dueShare = (day - startDate + 1) / duration
  const deliveredShare = impressions / impressionsLimit
  const factor = 1 + policy.gain * (dueShare - deliveredShare)
  return factor < policy.minFactor ? policy.minFactor : factor > policy.maxFactor ? policy.maxFactor : factor
}
