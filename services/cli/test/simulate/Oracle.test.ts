import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { type ClickModel, clickModels } from "../../src/simulate/ClickModels.js"
import { generateMarket, type Market, type SimCampaign } from "../../src/simulate/Market.js"
import { Prng } from "../../src/simulate/Prng.js"
import { replay } from "../../src/simulate/Oracle.js"
import type { TapeEvent } from "../../src/simulate/Tape.js"

/** Click probability = score / 100, so expected values are easy to compute by hand. */
const percent: ClickModel = { name: "percent", description: "", probability: (s) => Math.min(1, s / 100) }

const open = { gender: null, age_from: null, age_to: null, location: null }
const campaign = (key: number, advertiser: string, over: Partial<SimCampaign> = {}): SimCampaign => ({
  key,
  advertiser_id: advertiser,
  impressions_limit: 10,
  clicks_limit: 10,
  cost_per_impression: 1,
  cost_per_click: 10,
  ad_title: "t",
  ad_text: "x",
  start_date: 1,
  end_date: 1,
  targeting: open,
  ...over,
})

const market = (campaigns: Array<SimCampaign>, scores: Market["scores"] = []): Market => ({
  advertisers: [
    { advertiser_id: "A", name: "A" },
    { advertiser_id: "B", name: "B" },
  ],
  clients: [
    { client_id: "u", login: "u", age: 30, location: "Kazan", gender: "MALE" },
    { client_id: "v", login: "v", age: 60, location: "Moscow", gender: "FEMALE" },
  ],
  campaigns,
  scores,
})

const day = (d: number): TapeEvent => ({ _tag: "Day", day: d })
const req = (clientId: string): TapeEvent => ({ _tag: "Request", clientId })

describe("Oracle.replay", () => {
  it("picks the highest impression price plus click price times click probability", () => {
    // A: 1 + 10 × 0.9 = 10; B: 5 + 10 × 0.1 = 6
    const m = market(
      [campaign(0, "A"), campaign(1, "B", { cost_per_impression: 5 })],
      [
        { client_id: "u", advertiser_id: "A", score: 90 },
        { client_id: "u", advertiser_id: "B", score: 10 },
      ],
    )
    const result = replay(m, [day(1), req("u")], percent)
    assert.strictEqual(result.impressions, 1)
    assert.closeTo(result.expectedRevenue, 10, 1e-9)
    assert.strictEqual(result.meanScore, 90)
  })

  it("never shows a client the same campaign twice, and has nothing left after that", () => {
    const m = market([campaign(0, "A"), campaign(1, "B", { cost_per_impression: 0.5 })])
    const result = replay(m, [day(1), req("u"), req("u"), req("u")], percent)
    assert.strictEqual(result.impressions, 2)
    assert.closeTo(result.expectedRevenue, 1.5, 1e-9)
  })

  it("respects impressions limits, dates and targeting", () => {
    const m = market([
      campaign(0, "A", { impressions_limit: 1, cost_per_impression: 9 }),
      campaign(1, "A", { start_date: 2, end_date: 2, cost_per_impression: 8 }),
      campaign(2, "A", { targeting: { ...open, gender: "FEMALE" }, cost_per_impression: 7 }),
      campaign(3, "A", { targeting: { ...open, age_from: 50, location: "Moscow" }, cost_per_impression: 6 }),
    ])
    // u (male, 30, Kazan) gets 0; v (female, 60, Moscow) cannot get 0 (limit reached) so gets 2, then 3.
    const result = replay(m, [day(1), req("u"), req("u"), req("v"), req("v"), req("v")], percent)
    assert.strictEqual(result.impressions, 3)
    assert.closeTo(result.expectedRevenue, 9 + 7 + 6, 1e-9)
  })

  it("follows the tape's days, prices and scores", () => {
    const m = market([campaign(0, "A", { end_date: 2 }), campaign(1, "B", { end_date: 2 })])
    const tape: Array<TapeEvent> = [
      day(2),
      { _tag: "Price", key: 1, cost_per_impression: 3, cost_per_click: 0 },
      { _tag: "Score", clientId: "u", advertiserId: "A", score: 50 },
      req("u"), // A: 1 + 10 × 0.5 = 6 beats B: 3
      day(3),
      req("u"), // nothing is active on day 3
    ]
    const result = replay(m, tape, percent)
    assert.strictEqual(result.impressions, 1)
    assert.closeTo(result.expectedRevenue, 6, 1e-9)
    assert.strictEqual(result.meanScore, 50)
  })

  it("breaks ties by the higher ML score; unknown clients get nothing", () => {
    const flat: ClickModel = { name: "flat", description: "", probability: () => 0 }
    const m = market([campaign(0, "A"), campaign(1, "B")], [{ client_id: "u", advertiser_id: "B", score: 7 }])
    const result = replay(m, [day(1), req("nobody"), req("u")], flat)
    assert.strictEqual(result.impressions, 1)
    assert.strictEqual(result.meanScore, 7)
  })
})

describe("Oracle.replay on generated markets", () => {
  it.prop(
    "never exceeds a limit, serves at most one ad per request, and earns nothing it could not",
    [fc.integer(), fc.integer({ min: 1, max: 4 }), fc.constantFrom(...clickModels)],
    ([seed, days, model]) => {
      const prng = new Prng(seed)
      const m = generateMarket(prng, {
        clients: 15,
        campaigns: 12,
        advertisers: 3,
        firstDay: 1,
        days,
        requestsPerClientPerDay: 2,
      })
      const tape: Array<TapeEvent> = []
      for (let d = 1; d <= days; d++) {
        tape.push(day(d))
        for (let i = 0; i < 30; i++) tape.push(req(prng.pick(m.clients).client_id))
      }
      const result = replay(m, tape, model)
      assert.isTrue(result.impressions <= 30 * days)
      let total = 0
      for (const c of m.campaigns) {
        const shown = result.shown.get(c.key) ?? 0
        assert.isTrue(shown <= c.impressions_limit)
        total += shown
      }
      assert.strictEqual(total, result.impressions)
      const bound = m.campaigns.reduce(
        (sum, c) => sum + (result.shown.get(c.key) ?? 0) * (c.cost_per_impression + c.cost_per_click),
        0,
      )
      assert.isTrue(result.expectedRevenue <= bound + 1e-6)
    },
  )
})
