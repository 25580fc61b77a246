import { Schema } from "effect"
import { AdvertiserId, CampaignId, ClientId, Day } from "./Ids.js"
import { Price } from "./Money.js"

/**
 * The events that flow through NATS JetStream (see docs/events.md). Every event carries
 * `v` (the schema version) and an `event_id` that is deterministic, so a redelivered,
 * re-published or replayed event is recognised as the same one everywhere:
 * - an impression is unique per (campaign, client): `imp:<campaign_id>:<client_id>`;
 * - a click likewise: `clk:<campaign_id>:<client_id>`;
 * - a score update is unique per (client, advertiser, at): `score:<client_id>:<advertiser_id>:<at>`.
 */
export const SCHEMA_VERSION = 1

/** Milliseconds since the Unix epoch at which the event happened (as the producer saw it). */
const At = Schema.NonNegativeInt

export class Impression extends Schema.TaggedClass<Impression>()("impression", {
  v: Schema.Literal(SCHEMA_VERSION),
  event_id: Schema.String,
  campaign_id: CampaignId,
  advertiser_id: AdvertiserId,
  client_id: ClientId,
  day: Day,
  /** The impression price in force when it was shown. */
  cost: Price,
  /** The client's ML score for the advertiser when it was shown. */
  score: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  at: At,
}) {}

export class Click extends Schema.TaggedClass<Click>()("click", {
  v: Schema.Literal(SCHEMA_VERSION),
  event_id: Schema.String,
  campaign_id: CampaignId,
  advertiser_id: AdvertiserId,
  client_id: ClientId,
  day: Day,
  /** The click price in force when it happened. */
  cost: Price,
  /** The client's ML score for the advertiser when the ad was shown (lets the engine learn click rates by score). */
  score: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  at: At,
}) {}

export class ScoreUpdate extends Schema.TaggedClass<ScoreUpdate>()("score", {
  v: Schema.Literal(SCHEMA_VERSION),
  event_id: Schema.String,
  client_id: ClientId,
  advertiser_id: AdvertiserId,
  score: Schema.NonNegativeInt.pipe(Schema.lessThanOrEqualTo(2_147_483_647)),
  at: At,
}) {}

export const AdEvent = Schema.Union(Impression, Click)
export type AdEvent = typeof AdEvent.Type

export const Event = Schema.Union(Impression, Click, ScoreUpdate)
export type Event = typeof Event.Type

export const impressionId = (campaignId: string, clientId: string): string => `imp:${campaignId}:${clientId}`
export const clickId = (campaignId: string, clientId: string): string => `clk:${campaignId}:${clientId}`
export const scoreId = (clientId: string, advertiserId: string, at: number): string =>
  `score:${clientId}:${advertiserId}:${at}`

/** The id an event must carry; a message whose `event_id` differs is rejected, so ids stay deterministic. */
export const expectedId = (event: Event): string => {
  switch (event._tag) {
    case "impression":
      return impressionId(event.campaign_id, event.client_id)
    case "click":
      return clickId(event.campaign_id, event.client_id)
    case "score":
      return scoreId(event.client_id, event.advertiser_id, event.at)
  }
}
