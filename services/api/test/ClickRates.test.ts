import { ClickLearning } from "@adflow/counters"
import { Engine } from "@adflow/domain"
import { TestNamespace, TestRedis } from "@adflow/testkit"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ClickRates } from "../src/ClickRates.js"

/** The engine's click-rate table: shared counts from Redis plus what this instance saw itself. */
const Live = ClickRates.DefaultWithoutDependencies.pipe(
  Layer.provideMerge(ClickLearning.layer),
  Layer.provideMerge(TestRedis.layer),
  Layer.provideMerge(TestNamespace.layer),
)

const SCORE = 700

layer(Live, { excludeTestServices: true })("ClickRates", (it) => {
  it.effect(
    "learns this instance's observations at once, and forgets them once the shared counts hold them",
    () =>
      Effect.gen(function* () {
        const rates = yield* ClickRates
        const learning = yield* ClickLearning
        yield* rates.reload
        const prior = Engine.ClickRate.probability(rates.get(), SCORE)

        // Forty impressions at this score, every one clicked, seen here before Redis knows.
        for (let i = 0; i < 40; i++) {
          rates.observeImpression(SCORE)
          rates.observeClick(SCORE)
        }
        yield* Effect.sleep("30 millis") // re-estimated at most every 20 ms
        const learned = Engine.ClickRate.probability(rates.get(), SCORE)
        assert.isAbove(learned, 0.7, `from ${prior}`)

        // The shared counts now hold the impressions (the API records them) and the clicks (the
        // processor does): after the reads that forget the local copies, nothing counts twice.
        yield* learning.recordScores(Array(40).fill(SCORE), Array(40).fill(SCORE))
        yield* rates.reload
        yield* rates.reload
        yield* Effect.sleep("30 millis")
        const table = rates.get()
        assert.approximately(Engine.ClickRate.probability(table, SCORE), learned, 0.05)
        assert.isAtMost(
          table.pooled,
          (40 + 20 * 0.05) / (40 + 20) + 1e-9,
          "clicks over impressions, once each",
        )
      }),
  )
})
