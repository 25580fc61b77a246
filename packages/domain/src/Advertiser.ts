import { Schema } from "effect"
import { AdvertiserId } from "./Ids.js"

export const Advertiser = Schema.Struct({
  advertiser_id: AdvertiserId,
  name: Schema.NonEmptyString,
}).annotations({ identifier: "Advertiser" })
export type Advertiser = typeof Advertiser.Type

/** The body of `POST /advertisers/bulk`: created or replaced. */
export const AdvertiserUpsert = Advertiser.annotations({ identifier: "AdvertiserUpsert" })
export type AdvertiserUpsert = typeof AdvertiserUpsert.Type
