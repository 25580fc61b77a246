import { EventCodec } from "@adflow/bus"
import { Events } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { Either, Equal, FastCheck as fc, type ParseResult, Schema } from "effect"
import { sampleImpression } from "./sampleImpression.js"
import * as FastDecode from "../src/FastDecode.js"

// The fast path must never accept what the schema rejects, nor decode anything differently.
const schemaDecoders: Record<
  "impression" | "click" | "score",
  (input: unknown) => Either.Either<Events.Event, ParseResult.ParseError>
> = {
  impression: Schema.decodeUnknownEither(Schema.parseJson(Events.Impression)),
  click: Schema.decodeUnknownEither(Schema.parseJson(Events.Click)),
  score: Schema.decodeUnknownEither(Schema.parseJson(Events.ScoreUpdate)),
}

const uuid = fc.uuid()
const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 1, 0.5, 2_147_483_647, 2_147_483_648, 1e9, 1e9 + 1, Number.MAX_SAFE_INTEGER + 2),
  uuid,
  uuid.map((id) => id.toUpperCase()),
  fc.array(fc.integer(), { maxLength: 2 }),
)
/** A field that is usually valid and sometimes anything at all, or missing. */
const field = <A>(valid: fc.Arbitrary<A>) =>
  fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 1, arbitrary: anyValue },
    {
      weight: 1,
      arbitrary: fc.constant(undefined),
    },
  )

const adEvent = (tag: "impression" | "click") =>
  fc.record({
    _tag: field(fc.constant(tag)),
    v: field(fc.constant(1)),
    campaign_id: field(uuid),
    advertiser_id: field(uuid),
    client_id: field(uuid),
    day: field(fc.nat({ max: 2_147_483_647 })),
    cost: field(fc.double({ min: 0, max: 1e9, noNaN: true })),
    score: field(fc.nat()),
    at: field(fc.nat()),
    extra: fc.option(anyValue, { nil: undefined }),
  })

const scoreUpdate = fc.record({
  _tag: field(fc.constant("score")),
  v: field(fc.constant(1)),
  client_id: field(uuid),
  advertiser_id: field(uuid),
  score: field(fc.nat({ max: 2_147_483_647 })),
  at: field(fc.nat()),
  extra: fc.option(anyValue, { nil: undefined }),
})

const withEventId = (kind: keyof typeof schemaDecoders, json: Record<string, unknown>) =>
  JSON.stringify({
    ...json,
    event_id:
      kind === "score"
        ? Events.scoreId(String(json.client_id), String(json.advertiser_id), Number(json.at))
        : (kind === "impression" ? Events.impressionId : Events.clickId)(
            String(json.campaign_id),
            String(json.client_id),
          ),
  })

const agrees = (kind: keyof typeof schemaDecoders, text: string) => {
  const fast = FastDecode.decode(kind, text)
  if (fast === undefined) return
  const slow = schemaDecoders[kind](text)
  assert.isTrue(Either.isRight(slow), `fast path accepted what the schema rejects: ${text}`)
  const decoded = Either.getOrThrow(slow)
  assert.strictEqual(fast.constructor, decoded.constructor)
  assert.deepStrictEqual({ ...fast }, { ...decoded })
  // Built without the constructor: the same own keys in the same order, equal as Data values.
  assert.deepStrictEqual(Object.keys(fast), Object.keys(decoded))
  assert.isTrue(Equal.equals(fast, decoded))
}

// Most generated events have some field wrong; enough runs that many are valid too.
const runs = { fastCheck: { numRuns: 2000 } }

describe("FastDecode", () => {
  it.prop(
    "accepts only what the schema accepts, decoded the same (impressions)",
    [adEvent("impression")],
    ([json]) => agrees("impression", withEventId("impression", json)),
    runs,
  )
  it.prop(
    "accepts only what the schema accepts, decoded the same (clicks)",
    [adEvent("click")],
    ([json]) => agrees("click", withEventId("click", json)),
    runs,
  )
  it.prop(
    "accepts only what the schema accepts, decoded the same (score updates)",
    [scoreUpdate],
    ([json]) => agrees("score", withEventId("score", json)),
    runs,
  )

  it("takes well-formed events itself, so the schema is only the slow path", () => {
    const impression = sampleImpression
    const text = new TextDecoder().decode(EventCodec.encode(impression))
    assert.deepStrictEqual(FastDecode.decode("impression", text), impression)
    // Upper-case ids are left to the schema (it lower-cases them); a missing score is 0, as there.
    assert.isUndefined(
      FastDecode.decode(
        "impression",
        text.replace(/"client_id":"([^"]+)"/, (_, id) => `"client_id":"${id.toUpperCase()}"`),
      ),
    )
    assert.strictEqual(
      (FastDecode.decode("impression", text.replace(/,"score":7/, "")) as Events.Impression | undefined)
        ?.score,
      0,
    )
  })
})
