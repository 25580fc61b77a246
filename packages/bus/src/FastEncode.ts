import type { Events } from "@adflow/domain"
import { Events as EventSchemas } from "@adflow/domain"
import * as WellFormed from "./WellFormed.js"

/**
 * A fast path for encoding well-formed events, beside the Effect Schema encoder in EventCodec:
 * encoding through Schema walks the union and every field's refinements and builds the encoded
 * object, a few percent of the ad request's CPU per published impression. This writes the same
 * JSON text directly (the schema's key order: the fields in declaration order, then `_tag`), but
 * only for events it is sure the schema accepts as they stand (`WellFormed`);
 * anything else answers undefined and goes through Schema, which also says what is wrong. Its
 * agreement with the schema is tested property by property (test/FastEncode.test.ts).
 */

/** The fields of an impression or a click, without `_tag`: a class instance or a plain object. */
export type AdEventFields = Omit<Events.Impression, "_tag">

/** `encode` for the fields of an impression or a click given apart from their tag (no event object needed). */
export const adEvent = (tag: "impression" | "click", event: AdEventFields): string | undefined => {
  const { v, event_id, campaign_id, advertiser_id, client_id, day, cost, score, at } = event
  if (
    v !== EventSchemas.SCHEMA_VERSION ||
    typeof event_id !== "string" ||
    !WellFormed.adFields(campaign_id, advertiser_id, client_id, day, cost, score, at)
  )
    return undefined
  // Ids are lower-case UUIDs and numbers print as JSON.stringify prints them: only event_id may need escaping.
  return `{"v":${v},"event_id":${JSON.stringify(event_id)},"campaign_id":"${campaign_id}","advertiser_id":"${advertiser_id}","client_id":"${client_id}","day":${day},"cost":${JSON.stringify(cost)},"score":${score},"at":${at},"_tag":"${tag}"}`
}

const scoreUpdate = (event: Events.ScoreUpdate): string | undefined => {
  const { v, event_id, client_id, advertiser_id, score, at } = event
  if (
    v !== EventSchemas.SCHEMA_VERSION ||
    typeof event_id !== "string" ||
    !WellFormed.scoreFields(client_id, advertiser_id, score, at)
  )
    return undefined
  return `{"v":${v},"event_id":${JSON.stringify(event_id)},"client_id":"${client_id}","advertiser_id":"${advertiser_id}","score":${score},"at":${at},"_tag":"score"}`
}

/** The JSON text the schema would encode `event` to, when it is certainly valid as it stands; undefined: ask the schema. */
export const encode = (event: Events.Event): string | undefined => {
  switch (event._tag) {
    case "impression":
    case "click":
      return adEvent(event._tag, event)
    case "score":
      return scoreUpdate(event)
  }
}
