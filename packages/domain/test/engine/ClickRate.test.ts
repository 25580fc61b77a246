import { Engine } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"

const { ClickRate } = Engine

const scoreArb = fc.integer({ min: 0, max: 2_147_483_647 })
const countsArb = fc.array(
  fc.option(
    fc.integer({ min: 0, max: 10_000 }).chain((impressions) =>
      fc.record({
        impressions: fc.constant(impressions),
        clicks: fc.integer({ min: 0, max: impressions }),
      }),
    ),
    { nil: undefined },
  ),
  { maxLength: ClickRate.BUCKET_COUNT },
)
const rates = (table: Engine.ClickRate.Table) => Array.from(table.rates)

describe("ClickRate.bucketOf", () => {
  it("is non-decreasing in the score and always a valid bucket", () => {
    fc.assert(
      fc.property(scoreArb, scoreArb, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        const [bl, bh] = [ClickRate.bucketOf(lo), ClickRate.bucketOf(hi)]
        return bl <= bh && bl >= 0 && bh < ClickRate.BUCKET_COUNT && Number.isInteger(bl)
      }),
    )
  })

  it("puts 0 alone, splits each power of two in four, and floors bad input into range", () => {
    assert.deepStrictEqual([0, 1, 2, 3, 4, 5, 6, 8].map(ClickRate.bucketOf), [0, 1, 5, 7, 9, 10, 11, 13])
    assert.strictEqual(ClickRate.bucketOf(Math.ceil(2 ** 20.5)), 1 + 4 * 20 + 2)
    assert.strictEqual(ClickRate.bucketOf(-5), 0)
    assert.strictEqual(ClickRate.bucketOf(Number.NaN), 0)
    assert.strictEqual(ClickRate.bucketOf(2.9), ClickRate.bucketOf(2))
    assert.isBelow(ClickRate.bucketOf(Number.POSITIVE_INFINITY), ClickRate.BUCKET_COUNT)
    assert.isBelow(ClickRate.bucketOf(1e300), ClickRate.BUCKET_COUNT)
  })
})

describe("ClickRate.estimate", () => {
  it("without data answers the prior mean for every score", () => {
    const table = ClickRate.uninformed
    assert.strictEqual(table.pooled, ClickRate.defaultPrior.mean)
    for (const r of rates(table)) assert.approximately(r, ClickRate.defaultPrior.mean, 1e-12)
  })

  it("is always a probability strictly between 0 and 1, monotone in one direction by default", () => {
    const ascending = (xs: ReadonlyArray<number>) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x + 1e-12)
    fc.assert(
      fc.property(countsArb, scoreArb, scoreArb, (counts, a, b) => {
        const table = ClickRate.estimate(counts)
        for (const r of rates(table)) assert.isTrue(r > 0 && r < 1, `rate ${r}`)
        assert.isTrue(ascending(rates(table)) || ascending(rates(table).reverse()), "monotone")
        const increasing = ClickRate.estimate(counts, { ...ClickRate.defaultPrior, monotone: "increasing" })
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        assert.isAtMost(ClickRate.probability(increasing, lo), ClickRate.probability(increasing, hi) + 1e-12)
      }),
    )
  })

  it("learns a falling curve when the score misleads (auto), and buckets without data copy a neighbour", () => {
    const counts: Array<Engine.ClickRate.BucketCount> = []
    for (const [score, rate] of [
      [10, 0.4],
      [100, 0.3],
      [500, 0.1],
    ] as const)
      counts[ClickRate.bucketOf(score)] = { impressions: 100_000, clicks: 100_000 * rate }
    const table = ClickRate.estimate(counts)
    assert.approximately(ClickRate.probability(table, 10), 0.4, 1e-3)
    assert.approximately(ClickRate.probability(table, 500), 0.1, 1e-3)
    assert.strictEqual(ClickRate.probability(table, 0), ClickRate.probability(table, 10))
    assert.strictEqual(ClickRate.probability(table, 200), ClickRate.probability(table, 100))
    assert.strictEqual(ClickRate.probability(table, 1e9), ClickRate.probability(table, 500))
  })

  it("with plenty of data follows the observed rate per bucket", () => {
    const counts = Array.from({ length: ClickRate.BUCKET_COUNT }, (_, b) => ({
      impressions: 1_000_000,
      clicks: Math.round((1_000_000 * b) / (2 * ClickRate.BUCKET_COUNT)),
    }))
    const table = ClickRate.estimate(counts)
    for (const score of [0, 1, 10, 1_000, 100_000]) {
      const b = ClickRate.bucketOf(score)
      assert.approximately(ClickRate.probability(table, score), b / (2 * ClickRate.BUCKET_COUNT), 1e-3)
    }
  })

  it("with scarce data stays near the pooled rate instead of jumping to 0 or 1", () => {
    const counts: Array<Engine.ClickRate.BucketCount> = []
    counts[ClickRate.bucketOf(500)] = { impressions: 1, clicks: 1 }
    counts[ClickRate.bucketOf(5)] = { impressions: 1, clicks: 0 }
    const table = ClickRate.estimate(counts)
    // One impression each: nothing near 0 or 1, both drawn towards the pooled rate.
    assert.isBelow(ClickRate.probability(table, 500), 0.35)
    assert.isAbove(ClickRate.probability(table, 5), 0.01)
  })

  it("monotone smoothing irons out a noisy dip in a rising curve; without it the dip stays", () => {
    const counts: Array<Engine.ClickRate.BucketCount> = []
    counts[ClickRate.bucketOf(10)] = { impressions: 10_000, clicks: 500 }
    counts[ClickRate.bucketOf(100)] = { impressions: 10_000, clicks: 3_000 }
    counts[ClickRate.bucketOf(300)] = { impressions: 10_000, clicks: 2_800 }
    counts[ClickRate.bucketOf(800)] = { impressions: 10_000, clicks: 6_000 }
    const smooth = ClickRate.estimate(counts)
    assert.isAtMost(ClickRate.probability(smooth, 100), ClickRate.probability(smooth, 300) + 1e-12)
    assert.isAbove(ClickRate.probability(smooth, 800), 0.55)
    const raw = ClickRate.estimate(counts, { ...ClickRate.defaultPrior, monotone: "none" })
    assert.isAbove(ClickRate.probability(raw, 100), ClickRate.probability(raw, 300))
  })

  it("ignores nonsense counts: negative, NaN, and clicks above impressions (capped)", () => {
    const nonsense = ClickRate.estimate([
      { impressions: -5, clicks: Number.NaN },
      { impressions: Number.NaN, clicks: 3 },
    ])
    assert.deepStrictEqual(rates(nonsense), rates(ClickRate.uninformed))
    const capped = ClickRate.estimate([{ impressions: 10, clicks: 50 }])
    assert.deepStrictEqual(rates(capped), rates(ClickRate.estimate([{ impressions: 10, clicks: 10 }])))
  })
})

describe("ClickRate.tally", () => {
  it("counts scores per bucket", () => {
    fc.assert(
      fc.property(fc.array(scoreArb), fc.array(scoreArb), (impressions, clicks) => {
        const { impressionsByBucket, clicksByBucket } = ClickRate.tally(impressions, clicks)
        const total = (m: ReadonlyMap<number, number>) => [...m.values()].reduce((a, b) => a + b, 0)
        assert.strictEqual(total(impressionsByBucket), impressions.length)
        assert.strictEqual(total(clicksByBucket), clicks.length)
        for (const score of impressions) assert.isTrue(impressionsByBucket.has(ClickRate.bucketOf(score)))
      }),
    )
  })
})
