import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  isOverLimit,
  mean,
  meanRelativeError,
  percentile,
  relativeError,
} from "../../src/simulate/Metrics.js"

describe("Metrics", () => {
  it("mean of nothing is 0", () => {
    assert.strictEqual(mean([]), 0)
    assert.strictEqual(mean([1, 2, 6]), 3)
  })

  it("percentile is nearest-rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i)
    assert.strictEqual(percentile(values, 0.5), 50)
    assert.strictEqual(percentile(values, 0.99), 99)
    assert.strictEqual(percentile(values, 1), 100)
    assert.strictEqual(percentile([7], 0.99), 7)
    assert.strictEqual(percentile([], 0.5), 0)
  })

  it.prop(
    "a percentile is one of the values and does not fall as q rises",
    [
      fc.array(fc.double({ noNaN: true, min: 0, max: 1e6 }), { minLength: 1 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    ],
    ([values, q]) => {
      const p = percentile(values, q)
      assert.isTrue(values.includes(p))
      assert.isTrue(p <= percentile(values, Math.min(1, q + 0.1)))
    },
  )

  it("relative error against limits, including a zero limit", () => {
    assert.strictEqual(relativeError(90, 100), 0.1)
    assert.strictEqual(relativeError(110, 100), 0.1)
    assert.strictEqual(relativeError(0, 0), 0)
    assert.strictEqual(relativeError(3, 0), 1)
    assert.strictEqual(
      meanRelativeError([
        { actual: 50, limit: 100 },
        { actual: 10, limit: 10 },
      ]),
      0.25,
    )
    assert.strictEqual(meanRelativeError([]), 0)
  })

  it("over limit means more than 5% above it", () => {
    assert.isFalse(isOverLimit(105, 100))
    assert.isTrue(isOverLimit(106, 100))
    assert.isFalse(isOverLimit(0, 0))
    assert.isTrue(isOverLimit(1, 0))
  })

  it.prop("never over limit at or under the limit", [fc.nat(), fc.nat()], ([a, b]) => {
    const [actual, limit] = a <= b ? [a, b] : [b, a]
    assert.isFalse(isOverLimit(actual, limit))
  })
})
