import { type Day, Money, Stats, StatsMath } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"

const countsArb: fc.Arbitrary<StatsMath.Counts> = fc
  .record({
    impressions_count: fc.integer({ min: 0, max: 1_000_000 }),
    clicks: fc.integer({ min: 0, max: 1_000_000 }),
    spent_impressions_micros: fc.integer({ min: 0, max: 1e12 }),
    spent_clicks_micros: fc.integer({ min: 0, max: 1e12 }),
  })
  .map(({ clicks, ...rest }) => ({ ...rest, clicks_count: Math.min(clicks, rest.impressions_count) }))

const dailyArb: fc.Arbitrary<StatsMath.DailyCounts> = fc
  .tuple(countsArb, fc.integer({ min: 0, max: 10 }))
  .map(([counts, date]) => ({ ...counts, date: date as Day }))

const isStats = Schema.is(Stats.Stats)
const isDaily = Schema.is(Stats.DailyStats)

describe("StatsMath.toStats", () => {
  it("answers zeros, and conversion 0, when nothing was shown", () => {
    assert.deepStrictEqual(StatsMath.toStats(StatsMath.zero), {
      impressions_count: 0,
      clicks_count: 0,
      conversion: 0,
      spent_impressions: 0,
      spent_clicks: 0,
      spent_total: 0,
    })
  })

  it("converts micro-units and percentages", () => {
    const stats = StatsMath.toStats({
      impressions_count: 8,
      clicks_count: 2,
      spent_impressions_micros: 1_500_000,
      spent_clicks_micros: 100_001,
    })
    assert.deepStrictEqual(stats, {
      impressions_count: 8,
      clicks_count: 2,
      conversion: 25,
      spent_impressions: 1.5,
      spent_clicks: 0.100001,
      spent_total: 1.600001,
    })
  })

  it("conversion is clicks / impressions * 100, 0 without impressions", () => {
    assert.strictEqual(StatsMath.conversion(1, 3), (1 / 3) * 100)
    assert.strictEqual(StatsMath.conversion(5, 0), 0)
  })

  it("property: valid contract Stats whose total is computed from the integer sum", () => {
    fc.assert(
      fc.property(countsArb, (counts) => {
        const stats = StatsMath.toStats(counts)
        return (
          isStats(stats) &&
          stats.spent_total === Money.toPrice(counts.spent_impressions_micros + counts.spent_clicks_micros) &&
          stats.conversion >= 0 &&
          stats.conversion <= 100
        )
      }),
    )
  })
})

describe("StatsMath sums", () => {
  it("sums rows exactly, in any order", () => {
    fc.assert(
      fc.property(fc.array(countsArb, { maxLength: 20 }), (rows) => {
        const total = StatsMath.sum(rows)
        const reversed = StatsMath.sum([...rows].reverse())
        return (
          JSON.stringify(total) === JSON.stringify(reversed) &&
          total.impressions_count === rows.reduce((n, r) => n + r.impressions_count, 0) &&
          total.spent_clicks_micros === rows.reduce((n, r) => n + r.spent_clicks_micros, 0)
        )
      }),
    )
  })

  it("sums many small charges without float drift", () => {
    const price = Money.fromPrice(0.1)
    const rows = Array.from({ length: 10 }, () => ({ ...StatsMath.zero, spent_clicks_micros: price }))
    assert.strictEqual(StatsMath.toStats(StatsMath.sum(rows)).spent_clicks, 1)
  })

  it("sumByDay merges rows of a day, orders by day and loses nothing", () => {
    const rows = [
      { ...StatsMath.zero, date: 3 as Day, impressions_count: 1 },
      { ...StatsMath.zero, date: 1 as Day, impressions_count: 2 },
      { ...StatsMath.zero, date: 3 as Day, impressions_count: 4, clicks_count: 1 },
    ]
    assert.deepStrictEqual(StatsMath.sumByDay(rows), [
      { ...StatsMath.zero, date: 1 as Day, impressions_count: 2 },
      { ...StatsMath.zero, date: 3 as Day, impressions_count: 5, clicks_count: 1 },
    ])
    fc.assert(
      fc.property(fc.array(dailyArb, { maxLength: 30 }), (rows) => {
        const days = StatsMath.sumByDay(rows)
        const dates = days.map((d) => d.date)
        return (
          dates.every((d, i) => i === 0 || dates[i - 1]! < d) &&
          new Set(rows.map((r) => r.date)).size === days.length &&
          JSON.stringify(StatsMath.sum(days)) === JSON.stringify(StatsMath.sum(rows))
        )
      }),
    )
  })

  it("toDailyStats gives contract rows with their day", () => {
    fc.assert(
      fc.property(fc.array(dailyArb, { maxLength: 30 }), (rows) => {
        const daily = StatsMath.toDailyStats(rows)
        return daily.every(isDaily) && daily.length === StatsMath.sumByDay(rows).length
      }),
    )
    assert.deepStrictEqual(
      StatsMath.toDailyStats([{ ...StatsMath.zero, date: 2 as Day, impressions_count: 4, clicks_count: 1 }]),
      [
        {
          impressions_count: 4,
          clicks_count: 1,
          conversion: 25,
          spent_impressions: 0,
          spent_clicks: 0,
          spent_total: 0,
          date: 2 as Day,
        },
      ],
    )
  })
})
