import { Engine } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { findClickModel } from "../../src/simulate/ClickModels.js"
import * as OfflineEngine from "../../src/simulate/OfflineEngine.js"
import * as Scenario from "../../src/simulate/Scenario.js"

const shape = { days: 3, clients: 60, campaigns: 18, seed: 7, startDay: 1, phasesPerDay: 2 }
const counterIds = () => {
  let n = 0
  return () => `id-${++n}`
}
const logistic = findClickModel("logistic")!
const defaults: OfflineEngine.OfflineOptions = {
  policy: Engine.Ranking.defaultPolicy,
  prior: Engine.ClickRate.defaultPrior,
  refreshEvery: 5,
  concurrency: 4,
}

describe("Scenario.plan", () => {
  it("draws the same scenario for the same seed, whatever the ids", () => {
    const a = Scenario.plan(shape, counterIds())
    let n = 0
    const b = Scenario.plan(shape, () => `other-${++n}`)
    const strip = (s: Scenario.Scenario) => JSON.stringify(s).replace(/"(id|other)-\d+"/g, '"x"')
    assert.strictEqual(strip(a), strip(b))
    assert.strictEqual(a.days.length, shape.days)
    assert.isTrue(a.days.every((d) => d.rounds.length === shape.phasesPerDay))
    assert.isTrue(a.days.every((d) => d.rounds[0]!.priceChanges.length === 0))
    assert.isAbove(a.days[0]!.rounds[1]!.priceChanges.length, 0)
  })

  it("draws a different scenario for another seed", () => {
    const a = Scenario.plan(shape, counterIds())
    const b = Scenario.plan({ ...shape, seed: 8 }, counterIds())
    assert.notDeepEqual(a.market.campaigns, b.market.campaigns)
  })
})

describe("OfflineEngine", () => {
  it("never exceeds a limit and serves every request it can, in several markets", () => {
    for (const seed of [1, 2, 3]) {
      const result = OfflineEngine.run(Scenario.plan({ ...shape, seed }, counterIds()), logistic, defaults)
      assert.strictEqual(result.campaignsOverLimit, 0)
      assert.isAbove(result.uniqueImpressions, 0)
      assert.isAtMost(result.uniqueImpressions + result.repeats + result.notServed, 3 * 2 * 60)
    }
  })

  it("given the click model and neither pacing nor relevance, earns what the greedy oracle earns", () => {
    const result = OfflineEngine.run(Scenario.plan(shape, counterIds()), logistic, {
      ...defaults,
      concurrency: 1,
      oracleRates: true,
      policy: {
        ...Engine.Ranking.defaultPolicy,
        relevanceWeight: 0,
        pacing: { minFactor: 1, maxFactor: 1, gain: 1 },
      },
    })
    // Not exactly: the engine knows the model only per score bucket.
    assert.approximately(result.expectedRevenue / result.oracle.expectedRevenue, 1, 0.02)
    assert.strictEqual(result.uniqueImpressions, result.oracle.impressions)
  })
})
