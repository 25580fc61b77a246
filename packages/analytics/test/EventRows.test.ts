import { AdvertiserId, CampaignId, ClientId, Day, Events } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { jsonEachRow } from "../src/EventRows.js"
import { eventRow } from "./fixtures.js"

/** What the client's JSONEachRow insert sent for these events: JSON.stringify of each row, one per line. */
const reference = (events: ReadonlyArray<Events.Impression | Events.Click>): string =>
  events.map((event) => `${JSON.stringify(eventRow(event))}\n`).join("")

// Any UTF-16 text, lone surrogates included, and any number JSON can or cannot hold.
// The ids are lower-case UUIDs, as their types guarantee; the event id is any text.
const text = fc.oneof(fc.string16bits(), fc.fullUnicodeString(), fc.uuid())
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, NaN, Infinity, 1e21, 5e-324))

// Built without validation: the text must be right even for numbers the schemas would refuse.
const anyEvent = fc
  .record({
    click: fc.boolean(),
    event_id: text,
    campaign_id: fc.uuid(),
    advertiser_id: fc.uuid(),
    client_id: fc.uuid(),
    day: number,
    cost: number,
    score: number,
    at: number,
  })
  .map(({ click, ...fields }): Events.Impression | Events.Click => {
    const props = {
      ...fields,
      v: Events.SCHEMA_VERSION as typeof Events.SCHEMA_VERSION,
      campaign_id: CampaignId.make(fields.campaign_id, true),
      advertiser_id: AdvertiserId.make(fields.advertiser_id, true),
      client_id: ClientId.make(fields.client_id, true),
      day: Day.make(fields.day, true),
    }
    return click ? new Events.Click(props, true) : new Events.Impression(props, true)
  })

describe("EventRows.jsonEachRow", () => {
  it("writes exactly what JSON.stringify of each row wrote, in the table's column order", () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 20 }), (events) => {
        assert.strictEqual(jsonEachRow(events), reference(events))
      }),
      { numRuns: 2_000 },
    )
  })

  it("escapes quotes, backslashes, controls and lone surrogates in the event id", () => {
    const event_id = 'a"b\\c\n\t\0\u001f\u007f\ud800 é 😀'
    const [event] = fc.sample(anyEvent, { numRuns: 1, seed: 1 })
    const awkward =
      event!._tag === "click"
        ? new Events.Click({ ...event!, event_id }, true)
        : new Events.Impression({ ...event!, event_id }, true)
    const line = jsonEachRow([awkward])
    assert.strictEqual(line, reference([awkward]))
    assert.include(line, '"event_id":"a\\"b\\\\c\\n\\t\\u0000\\u001f\u007f\\ud800 é 😀"')
  })

  it("writes nothing for no events", () => {
    assert.strictEqual(jsonEachRow([]), "")
  })
})
