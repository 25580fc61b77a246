import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Ledger } from "../../src/simulate/Ledger.js"
import { compareDaily, compareStats } from "../../src/simulate/StatsCheck.js"

const owners: Record<string, string> = { c1: "A", c2: "A", c3: "B" }
const ledger = () => new Ledger((id) => owners[id])

describe("Ledger", () => {
  it("counts a client once per campaign and charges the price in force", () => {
    const l = ledger()
    assert.isTrue(l.impression("c1", "u", 1, 0.1))
    assert.isFalse(l.impression("c1", "u", 1, 0.5))
    assert.isTrue(l.impression("c1", "v", 2, 0.2))
    assert.isTrue(l.click("c1", "u", 2, 3.33))
    assert.isFalse(l.click("c1", "u", 2, 3.33))
    assert.deepStrictEqual(l.campaign("c1"), {
      impressions: 2,
      clicks: 1,
      impressionMicros: 300_000,
      clickMicros: 3_330_000,
    })
    assert.deepStrictEqual(l.campaignDaily("c1").get(1), {
      impressions: 1,
      clicks: 0,
      impressionMicros: 100_000,
      clickMicros: 0,
    })
    assert.isTrue(l.hasSeen("c1", "u"))
    assert.isFalse(l.hasSeen("c2", "u"))
  })

  it("sums an advertiser's campaigns, in total and by day", () => {
    const l = ledger()
    l.impression("c1", "u", 1, 1)
    l.impression("c2", "u", 1, 2)
    l.impression("c2", "v", 3, 4)
    l.impression("c3", "u", 1, 100)
    assert.strictEqual(l.advertiser("A").impressionMicros, 7_000_000)
    assert.strictEqual(l.advertiserDaily("A").get(1)!.impressions, 2)
    assert.strictEqual(l.advertiserDaily("A").get(3)!.impressionMicros, 4_000_000)
    assert.strictEqual(l.advertiser("B").impressions, 1)
    assert.strictEqual(l.total().impressionMicros, 107_000_000)
    assert.strictEqual(l.advertiser("nobody").impressions, 0)
  })

  it.prop(
    "money sums are exact in micro-units whatever the order",
    [fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 200 })],
    ([cents]) => {
      const l = ledger()
      cents.forEach((c, i) => l.impression("c1", `u${i}`, 1, c / 100))
      const total = cents.reduce((a, b) => a + b, 0)
      assert.strictEqual(l.campaign("c1").impressionMicros, total * 10_000)
    },
  )
})

const stats = (over: Record<string, unknown> = {}) => ({
  impressions_count: 4,
  clicks_count: 1,
  conversion: 25,
  spent_impressions: 0.4,
  spent_clicks: 1.5,
  spent_total: 1.9,
  ...over,
})
const tally = { impressions: 4, clicks: 1, impressionMicros: 400_000, clickMicros: 1_500_000 }

describe("compareStats", () => {
  it("agrees with a matching answer, money within half a cent", () => {
    assert.deepStrictEqual(compareStats(tally, stats()), [])
    assert.deepStrictEqual(compareStats(tally, stats({ spent_total: 1.904 })), [])
  })

  it("flags wrong counts, money off by a cent, wrong conversion, missing fields and non-objects", () => {
    assert.lengthOf(compareStats(tally, stats({ impressions_count: 5 })), 1)
    assert.lengthOf(compareStats(tally, stats({ clicks_count: 0 })), 1)
    assert.lengthOf(compareStats(tally, stats({ spent_clicks: 1.51 })), 1)
    assert.lengthOf(compareStats(tally, stats({ conversion: 20 })), 1)
    assert.lengthOf(compareStats(tally, stats({ spent_total: undefined })), 1)
    assert.deepStrictEqual(compareStats(tally, null), ["not a Stats object"])
    assert.deepStrictEqual(compareStats(tally, []), ["not a Stats object"])
  })

  it("conversion is 0 without impressions", () => {
    const zero = { impressions: 0, clicks: 0, impressionMicros: 0, clickMicros: 0 }
    assert.deepStrictEqual(
      compareStats(
        zero,
        stats({
          impressions_count: 0,
          clicks_count: 0,
          conversion: 0,
          spent_impressions: 0,
          spent_clicks: 0,
          spent_total: 0,
        }),
      ),
      [],
    )
  })
})

describe("compareDaily", () => {
  const zeroRow = (date: number) => ({
    date,
    impressions_count: 0,
    clicks_count: 0,
    conversion: 0,
    spent_impressions: 0,
    spent_clicks: 0,
    spent_total: 0,
  })

  it("accepts the active days, with or without zero rows for quiet days", () => {
    const expected = new Map([[2, tally]])
    assert.deepStrictEqual(compareDaily(expected, [{ ...stats(), date: 2 }]), [])
    assert.deepStrictEqual(compareDaily(expected, [zeroRow(1), { ...stats(), date: 2 }]), [])
    assert.deepStrictEqual(compareDaily(new Map(), []), [])
  })

  it("flags a missing day, a repeated day, a wrong row and a non-array", () => {
    const expected = new Map([[2, tally]])
    assert.deepStrictEqual(compareDaily(expected, []), ["day 2 missing"])
    assert.include(
      compareDaily(expected, [
        { ...stats(), date: 2 },
        { ...stats(), date: 2 },
      ]).join(),
      "twice",
    )
    assert.lengthOf(compareDaily(expected, [{ ...stats({ clicks_count: 2 }), date: 2 }]), 1)
    assert.lengthOf(compareDaily(new Map(), [{ ...stats(), date: 1 }]), 6)
    assert.deepStrictEqual(compareDaily(expected, {}), ["not an array of DailyStats"])
  })
})
