import { Schema } from "effect"
import { AdvertiserId, CampaignId, ClientId } from "./Ids.js"

/** What `GET /ads` answers: `ad_id` is the campaign id. */
export const Ad = Schema.Struct({
  ad_id: CampaignId,
  ad_title: Schema.String,
  ad_text: Schema.String,
  advertiser_id: AdvertiserId,
}).annotations({ identifier: "Ad" })
export type Ad = typeof Ad.Type

/** The body of `POST /ads/{adId}/click`. */
export const AdClick = Schema.Struct({
  client_id: ClientId,
}).annotations({ identifier: "AdClick" })
export type AdClick = typeof AdClick.Type

/** The query of `GET /ads`. */
export const AdRequest = Schema.Struct({
  client_id: ClientId,
})
export type AdRequest = typeof AdRequest.Type
