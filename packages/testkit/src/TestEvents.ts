// Events and the master data they need, for tests and benchmarks of the pipeline.
import { AdvertiserId, CampaignId, ClientId, Day, Events, Money } from "@adflow/domain"
import { AdvertiserRepo, CampaignRepo } from "@adflow/store"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"

export interface SeededCampaign {
  readonly campaignId: CampaignId
  readonly advertiserId: AdvertiserId
}

/** An advertiser with one campaign in PostgreSQL, so the processor knows the campaign. */
export const seedCampaign = Effect.gen(function* () {
  const advertiserId = AdvertiserId.make(randomUUID())
  const campaignId = CampaignId.make(randomUUID())
  yield* (yield* AdvertiserRepo).upsertMany([{ advertiser_id: advertiserId, name: "Acme" }])
  yield* (yield* CampaignRepo).insert({
    campaign_id: campaignId,
    advertiser_id: advertiserId,
    impressions_limit: 1_000_000,
    clicks_limit: 1_000_000,
    cost_per_impression_micros: Money.fromPrice(0.5),
    cost_per_click_micros: Money.fromPrice(2),
    ad_title: "Title",
    ad_text: "Text",
    start_date: Day.make(0),
    end_date: Day.make(100),
    gender: null,
    age_from: null,
    age_to: null,
    location: null,
  })
  return { campaignId, advertiserId } satisfies SeededCampaign
})

export const impression = (campaign: SeededCampaign, client: string, cost = 0.5, day = 1) =>
  Events.Impression.make({
    v: 1,
    event_id: Events.impressionId(campaign.campaignId, client),
    campaign_id: campaign.campaignId,
    advertiser_id: campaign.advertiserId,
    client_id: ClientId.make(client),
    day: Day.make(day),
    cost,
    score: 7,
    at: 1_700_000_000_000,
  })

export const click = (campaign: SeededCampaign, client: string, cost = 2, day = 1) =>
  Events.Click.make({
    v: 1,
    event_id: Events.clickId(campaign.campaignId, client),
    campaign_id: campaign.campaignId,
    advertiser_id: campaign.advertiserId,
    client_id: ClientId.make(client),
    day: Day.make(day),
    cost,
    score: 7,
    at: 1_700_000_000_000,
  })

export const scoreUpdate = (client: string, advertiser: string, score: number, at: number) =>
  Events.ScoreUpdate.make({
    v: 1,
    event_id: Events.scoreId(client, advertiser, at),
    client_id: ClientId.make(client),
    advertiser_id: AdvertiserId.make(advertiser),
    score,
    at,
  })

export const clients = (n: number) => Array.from({ length: n }, () => randomUUID())
