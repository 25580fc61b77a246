/**
 * The simulator table of docs/engine.md: `adflow simulate` with the default market against the
 * real API and event processor, in this process, on a fresh namespace of the test stack per run,
 * for each click model and seed; prints one markdown row per run. `--concurrency` (default 16) is
 * the simulator's requests in flight.
 *
 *   bash infra/local/stack.sh up --name test
 *   eval "$(bash infra/local/stack.sh env --name test)"
 *   bash infra/local/pnpm.sh exec tsx services/cli/bench/simulate-table.ts [--seeds 1,2,3] [--models logistic,inverse]
 */
import { AnalyticsMigrations } from "@adflow/analytics"
import { Provisioning } from "@adflow/bus"
import { ClickLearning } from "@adflow/counters"
import { ProcessorLive } from "@adflow/processor"
import { StoreMigrations } from "@adflow/store"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { createServer } from "node:http"
import { parseArgs } from "node:util"
import { TestStack } from "../../../packages/testkit/src/index.js"
import { ApiServer } from "../../api/src/index.js"
import { findClickModel } from "../src/simulate/ClickModels.js"
import * as Simulation from "../src/simulate/Simulation.js"

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "1,2,3" },
    models: { type: "string", default: "logistic,inverse" },
    concurrency: { type: "string", default: "16" },
  },
})

const Migrated = Layer.effectDiscard(
  Effect.all([StoreMigrations.migrate, AnalyticsMigrations.run, Provisioning.provision()], { discard: true }),
)

const system = () =>
  Layer.merge(ApiServer.layer({ logRequests: false }), ProcessorLive).pipe(
    Layer.provide(Migrated),
    Layer.provide(ClickLearning.layer),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
    Layer.provideMerge(TestStack.layer),
  )

const oneRun = (modelName: string, seed: number) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    const r = yield* Simulation.run({
      url: `http://127.0.0.1:${port}`,
      days: 5,
      clients: 200,
      campaigns: 60,
      seed,
      clickModel: findClickModel(modelName)!,
      concurrency: Number(args.concurrency),
      startDay: 1,
      phasesPerDay: 3,
    })
    const g = r.grader
    console.error(
      `${modelName} seed ${seed}: unique impressions ${g.unique_impressions} (oracle ${r.oracle.impressions}), ` +
        `404 ${g.status_404}, statuses ${JSON.stringify(r.details.statuses)}`,
    )
    console.log(
      `| ${modelName} | ${seed} | ${g.status_5xx} | ${g.targeting_mismatches} | ${g.campaigns_over_limit} | ` +
        `${r.stats_mismatches} | ${r.expected_revenue.toFixed(2)} | ${r.oracle.expected_revenue.toFixed(2)} | ` +
        `${r.revenue_ratio.toFixed(3)} | ${g.mean_ml_score.toFixed(1)} / ${r.oracle.mean_ml_score.toFixed(1)} | ` +
        `${r.latency_ms.p50.toFixed(0)} / ${r.latency_ms.p99.toFixed(0)} |`,
    )
  }).pipe(Effect.provide(system()))

const program = Effect.gen(function* () {
  console.log(
    "| click model | seed | 5xx | mismatches | over limit | wrong statistics | expected revenue | oracle expected revenue | ratio | mean ML score (engine / oracle) | p50 / p99 ms |",
  )
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
  for (const model of args.models.split(","))
    for (const seed of args.seeds.split(",").map(Number)) yield* oneRun(model, seed)
})

Effect.runPromise(program.pipe(Logger.withMinimumLogLevel(LogLevel.Warning))).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
