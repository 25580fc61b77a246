import { SCORE_SCALE } from "./ClickModels.js"
import type { Prng } from "./Prng.js"

export type Gender = "MALE" | "FEMALE"

export interface SimClient {
  readonly client_id: string
  readonly login: string
  readonly age: number
  readonly location: string
  readonly gender: Gender
}

export interface SimAdvertiser {
  readonly advertiser_id: string
  readonly name: string
}

export interface SimTargeting {
  readonly gender: Gender | "ALL" | null
  readonly age_from: number | null
  readonly age_to: number | null
  readonly location: string | null
}

/** A campaign as the simulator sends it; `key` is ours, the API assigns `campaign_id`. */
export interface SimCampaign {
  readonly key: number
  readonly advertiser_id: string
  readonly impressions_limit: number
  readonly clicks_limit: number
  readonly cost_per_impression: number
  readonly cost_per_click: number
  readonly ad_title: string
  readonly ad_text: string
  readonly start_date: number
  readonly end_date: number
  readonly targeting: SimTargeting
}

export interface MlScore {
  readonly client_id: string
  readonly advertiser_id: string
  readonly score: number
}

export interface Market {
  readonly advertisers: ReadonlyArray<SimAdvertiser>
  readonly clients: ReadonlyArray<SimClient>
  readonly campaigns: ReadonlyArray<SimCampaign>
  readonly scores: ReadonlyArray<MlScore>
}

export interface MarketShape {
  readonly clients: number
  readonly campaigns: number
  readonly advertisers: number
  /** The day the market is created on: no campaign starts before it. */
  readonly firstDay: number
  readonly days: number
  /** How many ad requests a client makes per day, on average (sizes the limits). */
  readonly requestsPerClientPerDay: number
}

export const LOCATIONS = ["Moscow", "Saint-Petersburg", "Kazan", "metroBelarusskaya", "Novosibirsk"] as const

export const scoreKey = (clientId: string, advertiserId: string) => `${clientId}|${advertiserId}`

const maybe = <A>(prng: Prng, probability: number, value: () => A): A | null =>
  prng.chance(probability) ? value() : null

const targeting = (prng: Prng): SimTargeting => {
  const gender = maybe(prng, 0.5, () => prng.pick(["MALE", "FEMALE", "ALL"] as const))
  let age_from = maybe(prng, 0.4, () => prng.int(14, 50))
  let age_to = maybe(prng, 0.4, () => prng.int(25, 80))
  if (age_from !== null && age_to !== null && age_from > age_to) [age_from, age_to] = [age_to, age_from]
  const location = maybe(prng, 0.35, () => prng.pick(LOCATIONS))
  return { gender, age_from, age_to, location }
}

/**
 * A seeded market. Ids come from `newId` (by default the same PRNG): a run against a system that
 * already holds an earlier run's data passes fresh ids, so the two never share clients or
 * advertisers, while everything else still follows the seed.
 */
export const generateMarket = (
  prng: Prng,
  shape: MarketShape,
  newId: () => string = () => prng.uuid(),
): Market => {
  const advertisers = Array.from({ length: shape.advertisers }, (_, i) => ({
    advertiser_id: newId(),
    name: `advertiser-${i + 1}`,
  }))
  const clients = Array.from({ length: shape.clients }, (_, i) => ({
    client_id: newId(),
    login: `client-${i + 1}`,
    age: prng.int(14, 80),
    location: prng.pick(LOCATIONS),
    gender: prng.pick(["MALE", "FEMALE"] as const),
  }))
  const lastDay = shape.firstDay + Math.max(1, shape.days) - 1
  // Limits are sized against a campaign's share of the requests, 0.5 to 3 times it: with targeting
  // narrowing who may see what, some campaigns are scarce and some cannot be filled, so the
  // engine has to pace and to choose (with 0.2 to 1.5, every limit filled and half the requests
  // had nothing new to show).
  const demandPerCampaignDay = (shape.clients * shape.requestsPerClientPerDay) / Math.max(1, shape.campaigns)
  const campaigns = Array.from({ length: shape.campaigns }, (_, key): SimCampaign => {
    const start_date = prng.int(shape.firstDay, lastDay)
    const end_date = prng.int(start_date, lastDay)
    const span = end_date - start_date + 1
    const impressions_limit = Math.max(1, Math.round(demandPerCampaignDay * span * (0.5 + prng.next() * 2.5)))
    const clicks_limit = Math.max(0, Math.round(impressions_limit * (0.05 + prng.next() * 0.35)))
    return {
      key,
      advertiser_id: prng.pick(advertisers).advertiser_id,
      impressions_limit,
      clicks_limit,
      cost_per_impression: prng.cents(0, 5),
      cost_per_click: prng.cents(0, 40),
      ad_title: `Offer ${key + 1}`,
      ad_text: `The best offer number ${key + 1}`,
      start_date,
      end_date,
      targeting: targeting(prng),
    }
  })
  const scores: Array<MlScore> = []
  for (const client of clients)
    for (const advertiser of advertisers)
      if (prng.chance(0.7))
        scores.push({
          client_id: client.client_id,
          advertiser_id: advertiser.advertiser_id,
          score: prng.int(0, SCORE_SCALE),
        })
  return { advertisers, clients, campaigns, scores }
}

/** The simulator's own targeting check, written apart from the engine's on purpose. */
export const targetingMatches = (t: SimTargeting, c: SimClient): boolean =>
  (t.gender === null || t.gender === "ALL" || t.gender === c.gender) &&
  (t.age_from === null || c.age >= t.age_from) &&
  (t.age_to === null || c.age <= t.age_to) &&
  (t.location === null || t.location === c.location)

export const activeOn = (campaign: Pick<SimCampaign, "start_date" | "end_date">, day: number) =>
  campaign.start_date <= day && day <= campaign.end_date

/** The body of POST /advertisers/{id}/campaigns and PUT (which replaces every field). */
export const campaignBody = (c: SimCampaign) => ({
  impressions_limit: c.impressions_limit,
  clicks_limit: c.clicks_limit,
  cost_per_impression: c.cost_per_impression,
  cost_per_click: c.cost_per_click,
  ad_title: c.ad_title,
  ad_text: c.ad_text,
  start_date: c.start_date,
  end_date: c.end_date,
  targeting: c.targeting,
})
