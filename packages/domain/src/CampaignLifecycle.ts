import { Either } from "effect"
import type { Campaign, CampaignCreate, CampaignUpdate } from "./Campaign.js"
import { type BadRequest, badRequest, Code, type Conflict, conflict } from "./Errors.js"

type Dates = { readonly start_date: number; readonly end_date: number }

/** Started: the current day has reached the start date. */
export const isStarted = (campaign: Pick<Dates, "start_date">, day: number): boolean =>
  day >= campaign.start_date

/** Ended: the current day is past the (inclusive) end date. */
export const isEnded = (campaign: Pick<Dates, "end_date">, day: number): boolean => day > campaign.end_date

/** Active: ads may be served today. */
export const isActive = (campaign: Dates, day: number): boolean =>
  isStarted(campaign, day) && !isEnded(campaign, day)

/** The fields that can no longer change once a campaign has started. */
export const lockedAfterStart = ["impressions_limit", "clicks_limit", "start_date", "end_date"] as const
export type LockedField = (typeof lockedAfterStart)[number]

const notInPast = (field: "start_date" | "end_date", value: number, day: number): BadRequest | undefined =>
  value < day
    ? badRequest(Code.dateInPast, `${field} ${value} is before the current day ${day}`, field)
    : undefined

const inOrder = (dates: Dates): BadRequest | undefined =>
  dates.start_date > dates.end_date
    ? badRequest(
        Code.startAfterEnd,
        `start_date ${dates.start_date} must be less than or equal to end_date ${dates.end_date}`,
        "start_date",
      )
    : undefined

const firstFailure = <E>(...checks: ReadonlyArray<() => E | undefined>): E | undefined => {
  for (const check of checks) {
    const failure = check()
    if (failure !== undefined) return failure
  }
  return undefined
}

/** A new campaign may not start or end in the past, and must not end before it starts. */
export const validateCreate = (
  create: CampaignCreate,
  day: number,
): Either.Either<CampaignCreate, BadRequest> => {
  const failure = firstFailure(
    () => notInPast("start_date", create.start_date, day),
    () => notInPast("end_date", create.end_date, day),
    () => inOrder(create),
  )
  return failure === undefined ? Either.right(create) : Either.left(failure)
}

/**
 * The campaign after a PUT on the given day. Settings the update leaves out keep their current
 * value and a left-out targeting is "no restriction" (the schema already made it so). Once
 * started, a change to a locked field is a `Conflict` naming it (resending the same value is
 * fine); a date that changes may not be in the past; start_date <= end_date always.
 */
export const applyUpdate = (
  current: Campaign,
  update: CampaignUpdate,
  day: number,
): Either.Either<Campaign, BadRequest | Conflict> => {
  const next: Campaign = {
    campaign_id: current.campaign_id,
    advertiser_id: current.advertiser_id,
    impressions_limit: update.impressions_limit ?? current.impressions_limit,
    clicks_limit: update.clicks_limit ?? current.clicks_limit,
    cost_per_impression: update.cost_per_impression ?? current.cost_per_impression,
    cost_per_click: update.cost_per_click ?? current.cost_per_click,
    ad_title: update.ad_title ?? current.ad_title,
    ad_text: update.ad_text ?? current.ad_text,
    start_date: update.start_date ?? current.start_date,
    end_date: update.end_date ?? current.end_date,
    targeting: update.targeting,
  }
  const started = isStarted(current, day)
  const failure = firstFailure<BadRequest | Conflict>(
    ...lockedAfterStart.map(
      (field) => () =>
        started && next[field] !== current[field]
          ? conflict(
              Code.campaignStarted,
              `${field} cannot change after the campaign has started (day ${current.start_date})`,
              field,
            )
          : undefined,
    ),
    () =>
      next.start_date !== current.start_date ? notInPast("start_date", next.start_date, day) : undefined,
    () => (next.end_date !== current.end_date ? notInPast("end_date", next.end_date, day) : undefined),
    () => inOrder(next),
  )
  return failure === undefined ? Either.right(next) : Either.left(failure)
}
