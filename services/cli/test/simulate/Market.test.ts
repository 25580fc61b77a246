import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { SCORE_SCALE } from "../../src/simulate/ClickModels.js"
import {
  activeOn,
  generateMarket,
  type MarketShape,
  type SimClient,
  targetingMatches,
} from "../../src/simulate/Market.js"
import { Prng } from "../../src/simulate/Prng.js"

const shapeArb: fc.Arbitrary<MarketShape> = fc.record({
  clients: fc.integer({ min: 1, max: 40 }),
  campaigns: fc.integer({ min: 0, max: 40 }),
  advertisers: fc.integer({ min: 1, max: 8 }),
  firstDay: fc.integer({ min: 0, max: 100 }),
  days: fc.integer({ min: 1, max: 10 }),
  requestsPerClientPerDay: fc.double({ min: 0.1, max: 5, noNaN: true }),
})

describe("generateMarket", () => {
  it.prop("respects the contract's constraints", [fc.integer(), shapeArb], ([seed, shape]) => {
    const market = generateMarket(new Prng(seed), shape)
    const lastDay = shape.firstDay + shape.days - 1
    const advertisers = new Set(market.advertisers.map((a) => a.advertiser_id))
    assert.strictEqual(market.clients.length, shape.clients)
    assert.strictEqual(market.campaigns.length, shape.campaigns)
    assert.strictEqual(advertisers.size, shape.advertisers)
    assert.strictEqual(new Set(market.clients.map((c) => c.client_id)).size, shape.clients)
    for (const c of market.campaigns) {
      assert.isTrue(c.start_date >= shape.firstDay, "start not in the past")
      assert.isTrue(c.start_date <= c.end_date && c.end_date <= lastDay, "dates within the run")
      assert.isTrue(Number.isInteger(c.impressions_limit) && c.impressions_limit >= 1)
      assert.isTrue(Number.isInteger(c.clicks_limit) && c.clicks_limit >= 0)
      assert.isTrue(c.cost_per_impression >= 0 && c.cost_per_click >= 0)
      assert.isTrue(c.ad_title.length > 0 && c.ad_text.length > 0)
      assert.isTrue(advertisers.has(c.advertiser_id))
      const { age_from, age_to } = c.targeting
      if (age_from !== null && age_to !== null) assert.isTrue(age_from <= age_to)
      if (age_from !== null) assert.isTrue(age_from >= 0)
    }
    for (const client of market.clients) assert.isTrue(client.age >= 0)
    for (const s of market.scores)
      assert.isTrue(Number.isInteger(s.score) && s.score >= 0 && s.score <= SCORE_SCALE)
  })

  it("a seed reproduces the market", () => {
    const shape = {
      clients: 30,
      campaigns: 20,
      advertisers: 5,
      firstDay: 1,
      days: 5,
      requestsPerClientPerDay: 2,
    }
    assert.deepStrictEqual(generateMarket(new Prng(42), shape), generateMarket(new Prng(42), shape))
    assert.notDeepEqual(generateMarket(new Prng(42), shape), generateMarket(new Prng(43), shape))
  })

  it("fresh ids leave the rest of the market to the seed", () => {
    const shape = {
      clients: 10,
      campaigns: 10,
      advertisers: 3,
      firstDay: 1,
      days: 3,
      requestsPerClientPerDay: 2,
    }
    let n = 0
    const counter = () => `id-${n++}`
    const a = generateMarket(new Prng(5), shape, counter)
    const b = generateMarket(new Prng(5), shape, counter)
    assert.notDeepEqual(a.clients[0]!.client_id, b.clients[0]!.client_id)
    const strip = (m: typeof a) => m.campaigns.map(({ advertiser_id: _, ...rest }) => rest)
    assert.deepStrictEqual(strip(a), strip(b))
    assert.deepStrictEqual(
      a.clients.map(({ client_id: _, ...rest }) => rest),
      b.clients.map(({ client_id: _, ...rest }) => rest),
    )
  })

  it("mixes null and set targeting fields", () => {
    const market = generateMarket(new Prng(3), {
      clients: 10,
      campaigns: 200,
      advertisers: 5,
      firstDay: 1,
      days: 5,
      requestsPerClientPerDay: 2,
    })
    for (const field of ["gender", "age_from", "age_to", "location"] as const) {
      assert.isTrue(
        market.campaigns.some((c) => c.targeting[field] === null),
        `${field} null`,
      )
      assert.isTrue(
        market.campaigns.some((c) => c.targeting[field] !== null),
        `${field} set`,
      )
    }
  })
})

describe("targetingMatches", () => {
  const client: SimClient = { client_id: "c", login: "l", age: 30, location: "Kazan", gender: "FEMALE" }
  const open = { gender: null, age_from: null, age_to: null, location: null }

  it("null fields restrict nothing, ALL matches both genders", () => {
    assert.isTrue(targetingMatches(open, client))
    assert.isTrue(targetingMatches({ ...open, gender: "ALL" }, client))
  })

  it("each field restricts, ages inclusive, location exact", () => {
    assert.isTrue(targetingMatches({ ...open, gender: "FEMALE" }, client))
    assert.isFalse(targetingMatches({ ...open, gender: "MALE" }, client))
    assert.isTrue(targetingMatches({ ...open, age_from: 30, age_to: 30 }, client))
    assert.isFalse(targetingMatches({ ...open, age_from: 31 }, client))
    assert.isFalse(targetingMatches({ ...open, age_to: 29 }, client))
    assert.isFalse(targetingMatches({ ...open, location: "kazan" }, client))
    assert.isTrue(targetingMatches({ ...open, location: "Kazan" }, client))
  })

  it("campaigns are active between their dates, inclusive", () => {
    assert.isFalse(activeOn({ start_date: 2, end_date: 4 }, 1))
    assert.isTrue(activeOn({ start_date: 2, end_date: 4 }, 2))
    assert.isTrue(activeOn({ start_date: 2, end_date: 4 }, 4))
    assert.isFalse(activeOn({ start_date: 2, end_date: 4 }, 5))
  })
})
