import { AnalyticsMigrations } from "@adflow/analytics"
import { Provisioning } from "@adflow/bus"
import { ClickLearning } from "@adflow/counters"
import { ProcessorLive } from "@adflow/processor"
import { StoreMigrations } from "@adflow/store"
import { HttpServer } from "@effect/platform"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
// @adflow/api and @adflow/testkit are not (yet) dependencies of the cli package (its package.json
// is not ours to edit), hence the relative imports.
import { TestStack } from "../../../../packages/testkit/src/index.js"
import { ApiServer, NodeServer } from "../../../api/src/index.js"
import { findClickModel } from "../../src/simulate/ClickModels.js"
import * as Simulation from "../../src/simulate/Simulation.js"

/**
 * The simulator against the real API and event processor, in process, on a real port, over
 * this file's own namespace of the shared stack (a fresh system, as the grader sees it).
 */
const Migrated = Layer.effectDiscard(
  Effect.all([StoreMigrations.migrate, AnalyticsMigrations.run, Provisioning.provision()], { discard: true }),
)

const RealSystem = Layer.merge(ApiServer.layer({ logRequests: false }), ProcessorLive).pipe(
  Layer.provide(Migrated),
  // Shared click rates the engine learns from (over Redis); harmless if the API wires them itself.
  Layer.provide(ClickLearning.layer),
  Layer.provideMerge(NodeServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  Layer.provideMerge(TestStack.layer),
)

describe("adflow simulate against the real API", () => {
  layer(RealSystem, { timeout: "120 seconds", excludeTestServices: true })((it) => {
    it.effect(
      "a small market runs clean: no 5xx, no mismatch, no overshoot, statistics agree with the ledger",
      () =>
        Effect.gen(function* () {
          const server = yield* HttpServer.HttpServer
          assert.strictEqual(server.address._tag, "TcpAddress")
          const port = server.address._tag === "TcpAddress" ? server.address.port : 0
          const report = yield* Simulation.run({
            url: `http://127.0.0.1:${port}`,
            days: 3,
            clients: 40,
            campaigns: 12,
            seed: 11,
            clickModel: findClickModel("logistic")!,
            concurrency: 4,
            startDay: 1,
            phasesPerDay: 2,
          })
          assert.deepStrictEqual(report.details.stats_mismatch_samples, [])
          assert.deepStrictEqual(report.details.mismatch_samples, [])
          assert.deepStrictEqual(report.details.rejected_update_samples, [])
          assert.strictEqual(report.grader.status_5xx, 0)
          assert.strictEqual(report.grader.targeting_mismatches, 0)
          assert.strictEqual(report.grader.campaigns_over_limit, 0)
          assert.strictEqual(report.stats_mismatches, 0)
          assert.strictEqual(report.details.network_errors, 0)
          assert.strictEqual(report.details.foreign_ads, 0)
          assert.isAbove(report.grader.unique_impressions, 0)
          assert.isAbove(report.stats_checked, 0)
          assert.isAbove(report.oracle.expected_revenue, 0)
        }),
      120_000,
    )
  })
})
