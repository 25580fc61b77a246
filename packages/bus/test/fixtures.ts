import { AdvertiserId, CampaignId, ClientId, Day, Events } from "@adflow/domain"
import { randomUUID } from "node:crypto"

export const impression = (overrides: { campaign?: string; client?: string; cost?: number } = {}) => {
  const campaign_id = CampaignId.make(overrides.campaign ?? randomUUID())
  const client_id = ClientId.make(overrides.client ?? randomUUID())
  return Events.Impression.make({
    v: 1,
    event_id: Events.impressionId(campaign_id, client_id),
    campaign_id,
    advertiser_id: AdvertiserId.make(randomUUID()),
    client_id,
    day: Day.make(1),
    cost: overrides.cost ?? 1.5,
    score: 10,
    at: 1_700_000_000_000,
  })
}
