import { Schema } from "effect"

// Ids are UUIDs chosen by callers (clients, advertisers) or by us (campaigns), kept lower-case.
const uuid = <B extends string>(brand: B) =>
  Schema.Lowercase.pipe(Schema.compose(Schema.UUID), Schema.brand(brand)).annotations({
    jsonSchema: { type: "string", format: "uuid" },
  })

export const ClientId = uuid("ClientId")
export type ClientId = typeof ClientId.Type

export const AdvertiserId = uuid("AdvertiserId")
export type AdvertiserId = typeof AdvertiserId.Type

export const CampaignId = uuid("CampaignId")
export type CampaignId = typeof CampaignId.Type

/** A day number: 0 on a fresh system, moved by POST /time/advance. */
export const Day = Schema.NonNegativeInt.pipe(
  Schema.lessThanOrEqualTo(2_147_483_647),
  Schema.brand("Day"),
).annotations({ jsonSchema: { type: "integer", format: "int32", minimum: 0 } })
export type Day = typeof Day.Type
