import { Events } from "@adflow/domain"
import * as WellFormed from "./WellFormed.js"

/**
 * A fast path for well-formed events, beside the Effect Schema decoders in EventCodec. Decoding
 * through Schema costs ~10 µs and a dozen allocations per message (parse tree, Either, filters,
 * class construction), a large share of the processor's CPU and garbage. This checks the same
 * rules in plain code and builds an equal instance of the same class, but only for input it is
 * sure the schema accepts unchanged (`WellFormed`: lower-case ids, no transformation); anything else
 * answers undefined and goes through Schema, which also writes the error message. Its agreement
 * with the schema is tested property by property (test/FastDecode.test.ts).
 */

type Json = Record<string, unknown>

/** `score` of an impression or click: optional, 0 when absent. */
const optionalScore = (json: Json): unknown => ("score" in json ? json.score : 0)

/**
 * A bare instance of an event class, for its fields to be set in the order `new Class(fields,
 * true)` leaves them (Data.Class: own properties, `_tag` last). The constructor costs two copies
 * of the fields and a walk over the schema's fields for defaults per instance (~3% of the
 * processor's CPU, and a share of its garbage); the fields here are checked already. The tests
 * check the result equal to the constructor's, key order included.
 */
const bare = (Class: { readonly prototype: object }): Record<string, unknown> =>
  Object.create(Class.prototype) as Record<string, unknown>

const common = (json: Json, tag: string): boolean =>
  json._tag === tag && json.v === Events.SCHEMA_VERSION && typeof json.event_id === "string"

const adEvent = <E extends typeof Events.Impression | typeof Events.Click>(
  Class: E,
  tag: string,
  json: Json,
): InstanceType<E> | undefined => {
  if (!common(json, tag)) return undefined
  const { campaign_id, advertiser_id, client_id, day, cost, at } = json
  const score = optionalScore(json)
  if (!WellFormed.adFields(campaign_id, advertiser_id, client_id, day, cost, score, at)) return undefined
  const event = bare(Class)
  event.v = Events.SCHEMA_VERSION
  event.event_id = json.event_id
  event.campaign_id = campaign_id
  event.advertiser_id = advertiser_id
  event.client_id = client_id
  event.day = day
  event.cost = cost
  event.score = score
  event.at = at
  event._tag = tag
  return event as unknown as InstanceType<E>
}

const scoreUpdate = (json: Json): Events.ScoreUpdate | undefined => {
  if (!common(json, "score")) return undefined
  const { client_id, advertiser_id, score, at } = json
  if (!WellFormed.scoreFields(client_id, advertiser_id, score, at)) return undefined
  const event = bare(Events.ScoreUpdate)
  event.v = Events.SCHEMA_VERSION
  event.event_id = json.event_id
  event.client_id = client_id
  event.advertiser_id = advertiser_id
  event.score = score
  event.at = at
  event._tag = "score"
  return event as unknown as Events.ScoreUpdate
}

/** The event in `text` when it is certainly valid as it stands; undefined: ask the schema. */
export const decode = (kind: "impression" | "click" | "score", text: string): Events.Event | undefined => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  switch (kind) {
    case "impression":
      return adEvent(Events.Impression, "impression", json as Json)
    case "click":
      return adEvent(Events.Click, "click", json as Json)
    case "score":
      return scoreUpdate(json as Json)
  }
}
