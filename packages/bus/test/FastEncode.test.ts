import { Events } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { sampleImpression } from "./sampleImpression.js"
import * as EventCodec from "../src/EventCodec.js"
import * as FastEncode from "../src/FastEncode.js"

// The fast path must never accept what the schema rejects, nor write other bytes.
const schemaEncode = Schema.encodeEither(Events.Event)

const uuid = fc.uuid()
const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, -0, 0, 1, 0.5, 2_147_483_647, 2_147_483_648, 1e9, 1e9 + 1, Number.MAX_SAFE_INTEGER + 2),
  uuid,
  uuid.map((id) => id.toUpperCase()),
)
/** A field that is usually valid and sometimes anything at all, or missing. */
const field = <A>(valid: fc.Arbitrary<A>) =>
  fc.oneof(
    { weight: 8, arbitrary: valid },
    { weight: 1, arbitrary: anyValue },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )

const eventId = fc.oneof(fc.string(), fc.fullUnicodeString(), fc.constantFrom('imp:"x"\\', "\u2028\n\u0000"))

const adFields = fc.record({
  v: field(fc.constant(1)),
  event_id: field(eventId),
  campaign_id: field(uuid),
  advertiser_id: field(uuid),
  client_id: field(uuid),
  day: field(fc.nat({ max: 2_147_483_647 })),
  cost: field(
    fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constantFrom(0.1, 1.5, 1e-7, 123.456789)),
  ),
  score: field(fc.nat()),
  at: field(fc.nat()),
})

const scoreFields = fc.record({
  v: field(fc.constant(1)),
  event_id: field(eventId),
  client_id: field(uuid),
  advertiser_id: field(uuid),
  score: field(fc.nat({ max: 2_147_483_647 })),
  at: field(fc.nat()),
})

const agrees = (event: Events.Event) => {
  const fast = FastEncode.encode(event)
  if (fast === undefined) return
  const slow = schemaEncode(event)
  assert.isTrue(Either.isRight(slow), `fast path accepted what the schema rejects: ${fast}`)
  assert.strictEqual(fast, JSON.stringify(Either.getOrThrow(slow)))
}

// Unvalidated construction (`true`), as the fast path may be handed anything a caller built.
const build = <A>(Class: new (fields: never, disableValidation: boolean) => A, fields: object): A =>
  new Class(fields as never, true)

const runs = { fastCheck: { numRuns: 2000 } }

describe("FastEncode", () => {
  it.prop(
    "writes what the schema writes, and only for what it accepts (impressions)",
    [adFields],
    ([fields]) => agrees(build(Events.Impression, fields)),
    runs,
  )
  it.prop(
    "writes what the schema writes, and only for what it accepts (clicks)",
    [adFields],
    ([fields]) => agrees(build(Events.Click, fields)),
    runs,
  )
  it.prop(
    "writes what the schema writes, and only for what it accepts (score updates)",
    [scoreFields],
    ([fields]) => agrees(build(Events.ScoreUpdate, fields)),
    runs,
  )

  it.prop(
    "an impression given as plain fields is written as its class instance is, or refused with the schema's error",
    [adFields],
    ([fields]) => {
      const plain = { ...fields } as unknown as FastEncode.AdEventFields
      let expected: string | Error
      try {
        expected = EventCodec.encodeText(new Events.Impression(plain))
      } catch (error) {
        expected = error as Error
      }
      if (typeof expected === "string") assert.strictEqual(EventCodec.encodeImpressionText(plain), expected)
      else assert.throws(() => EventCodec.encodeImpressionText(plain), expected.message)
    },
    runs,
  )

  it("takes well-formed events itself, so the schema is only the slow path", () => {
    const impression = sampleImpression
    assert.strictEqual(
      FastEncode.encode(impression),
      JSON.stringify(Schema.encodeSync(Events.Event)(impression)),
    )
    // Upper-case ids are left to the schema.
    assert.isUndefined(
      FastEncode.encode(
        build(Events.Impression, { ...impression, client_id: "6F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0" }),
      ),
    )
  })
})
