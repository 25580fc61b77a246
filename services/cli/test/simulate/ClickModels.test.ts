import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { clickModels, findClickModel, SCORE_SCALE } from "../../src/simulate/ClickModels.js"

const score = fc.integer({ min: 0, max: 2 ** 31 - 1 })
const model = (name: string) => findClickModel(name)!

describe("ClickModels", () => {
  it.prop("every model answers a probability in [0, 1] for any score", [score], ([s]) => {
    for (const m of clickModels) {
      const p = m.probability(s)
      assert.isTrue(p >= 0 && p <= 1, `${m.name}(${s}) = ${p}`)
    }
  })

  it.prop(
    "logistic, linear and step never fall as the score rises; inverse never rises",
    [score, score],
    ([a, b]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a]
      for (const name of ["logistic", "linear", "step"])
        assert.isTrue(model(name).probability(lo) <= model(name).probability(hi), name)
      assert.isTrue(model("inverse").probability(lo) >= model("inverse").probability(hi))
    },
  )

  it("score-driven models really depend on the score; flat does not", () => {
    for (const name of ["logistic", "linear", "step", "inverse"])
      assert.notStrictEqual(model(name).probability(0), model(name).probability(SCORE_SCALE), name)
    assert.strictEqual(model("flat").probability(0), model("flat").probability(SCORE_SCALE))
  })

  it("step jumps at 70% of the scale", () => {
    assert.strictEqual(model("step").probability(0.7 * SCORE_SCALE - 1), 0.05)
    assert.strictEqual(model("step").probability(0.7 * SCORE_SCALE), 0.45)
  })

  it("unknown names are not found", () => {
    assert.isUndefined(findClickModel("nope"))
  })
})
