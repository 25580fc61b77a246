import { AdvertiserId, CampaignId } from "@adflow/domain"
import { TestEvents } from "@adflow/testkit"

/** A well-formed impression with fixed ids (lower-case, as the fast paths take them), score 7. */
export const sampleImpression = TestEvents.impression(
  {
    campaignId: CampaignId.make("0b8e7f4e-1d2a-4c3b-9a8f-6e5d4c3b2a10"),
    advertiserId: AdvertiserId.make("1c9f8e7d-6c5b-4a39-8827-1605f4e3d2c1"),
  },
  "6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
)
