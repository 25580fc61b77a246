import type { AdvertiserId, Campaign, CampaignId, Client, Day, Targeting } from "@adflow/domain"
import { FastCheck as fc } from "effect"

export const LOCATIONS = ["Moscow", "Minsk", "metroBelarusskaya", "moscow"] as const

const hex = (n: number) => n.toString(16).padStart(12, "0")
export const campaignIdOf = (n: number) => `10000000-0000-4000-8000-${hex(n)}` as CampaignId
export const advertiserIdOf = (n: number) => `20000000-0000-4000-8000-${hex(n)}` as AdvertiserId

export type Who = Pick<Client.Client, "gender" | "age" | "location">

export const clientArb: fc.Arbitrary<Who> = fc.record({
  gender: fc.constantFrom<Client.Gender>("MALE", "FEMALE"),
  age: fc.integer({ min: 0, max: 100 }),
  location: fc.constantFrom(...LOCATIONS),
})

const ageArb = fc.option(fc.integer({ min: 0, max: 100 }), { nil: null })

/** Any targeting, including age_from > age_to (the schema forbids it; the index must still never match it). */
export const targetingArb: fc.Arbitrary<Targeting.Targeting> = fc.record({
  gender: fc.constantFrom<Targeting.TargetGender | null>("MALE", "FEMALE", "ALL", null),
  age_from: ageArb,
  age_to: ageArb,
  location: fc.option(fc.constantFrom(...LOCATIONS), { nil: null }),
})

export const dayArb = fc.integer({ min: 0, max: 12 })

/** A campaign with the given id number; dates around days 0..12. */
export const campaignArb = (id: number): fc.Arbitrary<Campaign.Campaign> =>
  fc
    .record({
      start: dayArb,
      length: fc.integer({ min: 0, max: 6 }),
      impressions_limit: fc.integer({ min: 0, max: 50 }),
      clicks_limit: fc.integer({ min: 0, max: 20 }),
      cost_per_impression: fc.double({ min: 0, max: 100, noNaN: true }),
      cost_per_click: fc.double({ min: 0, max: 100, noNaN: true }),
      advertiser: fc.integer({ min: 0, max: 5 }),
      targeting: targetingArb,
    })
    .map((r) => ({
      campaign_id: campaignIdOf(id),
      advertiser_id: advertiserIdOf(r.advertiser),
      impressions_limit: r.impressions_limit,
      clicks_limit: r.clicks_limit,
      cost_per_impression: r.cost_per_impression,
      cost_per_click: r.cost_per_click,
      ad_title: "title",
      ad_text: "text",
      start_date: r.start as Day,
      end_date: (r.start + r.length) as Day,
      targeting: r.targeting,
    }))

/** Up to `max` campaigns with distinct ids. */
export const campaignsArb = (max: number): fc.Arbitrary<Array<Campaign.Campaign>> =>
  fc.integer({ min: 0, max }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => campaignArb(i))))

export const byId = (campaigns: Iterable<Campaign.Campaign>): Array<CampaignId> =>
  [...campaigns].map((c) => c.campaign_id).sort()
