import { Schema } from "effect"
import { AdvertiserId, ClientId } from "./Ids.js"

/** Relevance of an advertiser to a client: an int32 >= 0, higher is more relevant; a missing pair is 0. */
export const Score = Schema.NonNegativeInt.pipe(Schema.lessThanOrEqualTo(2_147_483_647))
export type Score = typeof Score.Type

export const MISSING_SCORE = 0

export const MLScore = Schema.Struct({
  client_id: ClientId,
  advertiser_id: AdvertiserId,
  score: Score,
}).annotations({ identifier: "MLScore" })
export type MLScore = typeof MLScore.Type
