import { Events } from "@adflow/domain"
import { Either, ParseResult, Schema } from "effect"
import * as FastDecode from "./FastDecode.js"
import * as FastEncode from "./FastEncode.js"
import type { EventKind } from "./Topology.js"

/** The largest event we accept; anything bigger is dead-lettered rather than parsed. */
export const MAX_EVENT_BYTES = 16 * 1024

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder("utf-8", { fatal: true })

const encodeEvent = Schema.encodeSync(Events.Event)

/** The event as the JSON text that goes on the wire. */
export const encodeText = (event: Events.Event): string =>
  FastEncode.encode(event) ?? JSON.stringify(encodeEvent(event))

/**
 * An impression given as its fields (a plain object: the ad request builds no class instance per
 * impression), as `encodeText` would write it; fields the fast path does not take are checked
 * by the class's constructor, which throws on invalid ones.
 */
export const encodeImpressionText = (fields: FastEncode.AdEventFields): string =>
  FastEncode.adEvent("impression", fields) ?? JSON.stringify(encodeEvent(new Events.Impression(fields)))

export const encode = (event: Events.Event): Uint8Array => textEncoder.encode(encodeText(event))

const decoders: Record<EventKind, (input: unknown) => Either.Either<Events.Event, ParseResult.ParseError>> = {
  impression: Schema.decodeUnknownEither(Schema.parseJson(Events.Impression)),
  click: Schema.decodeUnknownEither(Schema.parseJson(Events.Click)),
  score: Schema.decodeUnknownEither(Schema.parseJson(Events.ScoreUpdate)),
}

/**
 * Decodes a message from the subject of `kind`, or says why it cannot be used: not UTF-8,
 * too large, not JSON, not the schema, or an `event_id` that is not the deterministic one.
 */
export const decode = (kind: EventKind, data: Uint8Array): Either.Either<Events.Event, string> => {
  if (data.byteLength > MAX_EVENT_BYTES) {
    return Either.left(`payload too large: ${data.byteLength} bytes (limit ${MAX_EVENT_BYTES})`)
  }
  let text: string
  try {
    text = textDecoder.decode(data)
  } catch {
    return Either.left("payload is not valid UTF-8")
  }
  const fast = FastDecode.decode(kind, text)
  if (fast !== undefined) return withExpectedId(fast)
  return decoders[kind](text).pipe(
    Either.mapLeft((error) => `invalid ${kind} event: ${ParseResult.TreeFormatter.formatErrorSync(error)}`),
    Either.flatMap(withExpectedId),
  )
}

const withExpectedId = (event: Events.Event): Either.Either<Events.Event, string> => {
  const expected = Events.expectedId(event)
  return event.event_id === expected
    ? Either.right(event)
    : Either.left(`event_id must be "${expected}" for this event, got "${event.event_id}"`)
}

export const kindOf = (event: Events.Event): EventKind => event._tag
