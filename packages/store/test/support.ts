import { AdvertiserId, CampaignId, ClientId, Day, Events } from "@adflow/domain"
import { TestNamespace, TestPostgres } from "@adflow/testkit"
import { Layer } from "effect"
import { randomUUID } from "node:crypto"
import { StoreLayer, StoreMigrations } from "../src/index.js"

/** Every store service on a migrated database of the test file's own. */
export const StoreTest = Layer.merge(StoreLayer, StoreMigrations.layer).pipe(
  Layer.provideMerge(TestPostgres.layer),
  Layer.provideMerge(TestNamespace.layer),
)

export const newClientId = () => ClientId.make(randomUUID())
export const newAdvertiserId = () => AdvertiserId.make(randomUUID())
export const newCampaignId = () => CampaignId.make(randomUUID())

export interface AdEventFields {
  readonly campaign_id: CampaignId
  readonly advertiser_id: AdvertiserId
  readonly client_id: ClientId
  readonly day?: number
  readonly cost?: number
  readonly at?: number
}

export const impression = (fields: AdEventFields & { readonly score?: number }) =>
  new Events.Impression({
    v: 1,
    event_id: Events.impressionId(fields.campaign_id, fields.client_id),
    campaign_id: fields.campaign_id,
    advertiser_id: fields.advertiser_id,
    client_id: fields.client_id,
    day: Day.make(fields.day ?? 1),
    cost: fields.cost ?? 0.5,
    score: fields.score ?? 0,
    at: fields.at ?? 1_700_000_000_000,
  })

export const click = (fields: AdEventFields) =>
  new Events.Click({
    v: 1,
    event_id: Events.clickId(fields.campaign_id, fields.client_id),
    campaign_id: fields.campaign_id,
    advertiser_id: fields.advertiser_id,
    client_id: fields.client_id,
    day: Day.make(fields.day ?? 1),
    cost: fields.cost ?? 2,
    at: fields.at ?? 1_700_000_000_000,
  })

export const scoreUpdate = (client_id: ClientId, advertiser_id: AdvertiserId, score: number, at: number) =>
  new Events.ScoreUpdate({
    v: 1,
    event_id: Events.scoreId(client_id, advertiser_id, at),
    client_id,
    advertiser_id,
    score,
    at,
  })
