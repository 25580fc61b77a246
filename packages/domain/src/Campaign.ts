import { Schema } from "effect"
import { AdvertiserId, CampaignId, Day } from "./Ids.js"
import { Price } from "./Money.js"
import * as Targeting from "./Targeting.js"

const Limit = Schema.NonNegativeInt.pipe(Schema.lessThanOrEqualTo(2_147_483_647))

/** The fields a campaign is made of, besides its ids and targeting. */
const settings = {
  impressions_limit: Limit,
  clicks_limit: Limit,
  cost_per_impression: Price,
  cost_per_click: Price,
  ad_title: Schema.NonEmptyString,
  ad_text: Schema.NonEmptyString,
  start_date: Day,
  end_date: Day,
}

/** Left out or null: no restriction at all (PUT replaces, so this holds for updates too). */
const targetingOrNone = Schema.optionalWith(Targeting.Targeting, {
  nullable: true,
  default: () => Targeting.none,
})

/**
 * The body of `POST /advertisers/{advertiserId}/campaigns`. The dates are checked against the
 * current day by `CampaignLifecycle.validateCreate`, not here.
 */
export const CampaignCreate = Schema.Struct({
  ...settings,
  targeting: targetingOrNone,
}).annotations({ identifier: "CampaignCreate" })
export type CampaignCreate = typeof CampaignCreate.Type

const keep = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(schema, { exact: true, nullable: true })

/**
 * The body of `PUT /advertisers/{advertiserId}/campaigns/{campaignId}`. The contract makes every
 * field optional. PUT replaces the campaign, so a left-out (or null) targeting becomes "no
 * restriction"; a left-out (or null) required setting keeps its current value, which lets a
 * client resend a started campaign without touching its locked fields. See
 * `CampaignLifecycle.applyUpdate`.
 */
export const CampaignUpdate = Schema.Struct({
  impressions_limit: keep(settings.impressions_limit),
  clicks_limit: keep(settings.clicks_limit),
  cost_per_impression: keep(settings.cost_per_impression),
  cost_per_click: keep(settings.cost_per_click),
  ad_title: keep(settings.ad_title),
  ad_text: keep(settings.ad_text),
  start_date: keep(settings.start_date),
  end_date: keep(settings.end_date),
  targeting: targetingOrNone,
}).annotations({ identifier: "CampaignUpdate" })
export type CampaignUpdate = typeof CampaignUpdate.Type

export const Campaign = Schema.Struct({
  campaign_id: CampaignId,
  advertiser_id: AdvertiserId,
  ...settings,
  targeting: Targeting.Targeting,
}).annotations({ identifier: "Campaign" })
export type Campaign = typeof Campaign.Type

/** A new campaign from its create request. */
export const make = (
  campaignId: CampaignId,
  advertiserId: AdvertiserId,
  create: CampaignCreate,
): Campaign => ({
  campaign_id: campaignId,
  advertiser_id: advertiserId,
  ...create,
})

export const DEFAULT_PAGE_SIZE = 10

const QueryInt = Schema.NumberFromString.pipe(
  Schema.int(),
  Schema.nonNegative(),
  Schema.lessThanOrEqualTo(2_147_483_647),
).annotations({ jsonSchema: { type: "integer", format: "int32", minimum: 0 } })

/**
 * The query of `GET /advertisers/{advertiserId}/campaigns`: `page` counts from 1 (0 is read as
 * 1, for clients that count from 0 on the first page), `size` defaults to 10 and may be 0.
 */
export const ListParams = Schema.Struct({
  size: Schema.optionalWith(QueryInt, { default: () => DEFAULT_PAGE_SIZE }),
  page: Schema.optionalWith(QueryInt, { default: () => 1 }),
})
export type ListParams = typeof ListParams.Type

/** How many campaigns to skip, in the list's stable order, for a page. */
export const offset = (params: ListParams): number => Math.max(params.page - 1, 0) * params.size
