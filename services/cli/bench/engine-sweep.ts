/**
 * Engine settings compared offline over many seeds and click models (see OfflineEngine):
 *
 *   bash infra/local/pnpm.sh exec tsx services/cli/bench/engine-sweep.ts [--seeds 10] [--models logistic,inverse]
 *
 * Prints, per setting, the revenue ratio to the greedy oracle (min / mean per model) and the
 * share of runs whose mean ML score is at least the oracle's; `--per-seed` prints every run.
 * The settings are the engine's defaults and a few alternatives, or the JSON list in SWEEP, each
 * entry overriding parts of the defaults:
 *
 *   SWEEP='[{"prior":{"bucketStrength":5}},{"pacing":{"gain":2},"policy":{"relevanceWeight":0.1}}]'
 *
 * `--refresh-every N` re-estimates the click-rate table every N requests (the API re-estimates
 * from what it observed every 20 ms: a handful of requests at the simulator's pace);
 * `{"oracleRates":true}` gives the engine the click model itself, the ceiling of learning.
 */
import { Engine } from "@adflow/domain"
import { parseArgs } from "node:util"
import { findClickModel } from "../src/simulate/ClickModels.js"
import * as OfflineEngine from "../src/simulate/OfflineEngine.js"
import * as Scenario from "../src/simulate/Scenario.js"

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "10" },
    models: { type: "string", default: "logistic,inverse" },
    days: { type: "string", default: "5" },
    clients: { type: "string", default: "200" },
    campaigns: { type: "string", default: "60" },
    "refresh-every": { type: "string", default: "20" },
    "per-seed": { type: "boolean", default: false },
    concurrency: { type: "string", default: "1" },
  },
})

const base: OfflineEngine.OfflineOptions = {
  policy: Engine.Ranking.defaultPolicy,
  prior: Engine.ClickRate.defaultPrior,
  refreshEvery: Number(args["refresh-every"]),
  concurrency: Number(args.concurrency),
}

interface Override {
  readonly oracleRates?: boolean
  readonly prior?: Partial<Engine.ClickRate.Prior>
  readonly policy?: Partial<Omit<Engine.Ranking.Policy, "pacing">>
  readonly pacing?: Partial<Engine.Pacing.Policy>
}

const pacing = (minFactor: number, maxFactor: number, gain: number): OfflineEngine.OfflineOptions => ({
  ...base,
  policy: { ...base.policy, pacing: { minFactor, maxFactor, gain } },
})
const overrides = JSON.parse(process.env.SWEEP || "null") as ReadonlyArray<Override> | null
const settings: ReadonlyArray<readonly [string, OfflineEngine.OfflineOptions]> = overrides?.map((s) => [
  JSON.stringify(s),
  {
    ...base,
    ...(s.oracleRates ? { oracleRates: true } : {}),
    prior: { ...base.prior, ...s.prior },
    policy: { ...base.policy, ...s.policy, pacing: { ...base.policy.pacing, ...s.pacing } },
  },
]) ?? [
  ["defaults", base],
  ["defaults, click model known", { ...base, oracleRates: true }],
  ["pacing off", pacing(1, 1, 1)],
  ["previous pacing 0.5 / 1.5 / 2", pacing(0.5, 1.5, 2)],
  ["relevance weight 0.1", { ...base, policy: { ...base.policy, relevanceWeight: 0.1 } }],
  ["bucket strength 30", { ...base, prior: { ...base.prior, bucketStrength: 30 } }],
]

let counter = 0
const id = () => `id-${++counter}`
const models = args.models.split(",").map((name) => findClickModel(name)!)
for (const [name, options] of settings) {
  const line: Array<string> = [name.padEnd(24)]
  for (const model of models) {
    const ratios: Array<number> = []
    let scoreOk = 0
    for (let seed = 1; seed <= Number(args.seeds); seed++) {
      const scenario = Scenario.plan(
        {
          days: Number(args.days),
          clients: Number(args.clients),
          campaigns: Number(args.campaigns),
          seed,
          startDay: 1,
          phasesPerDay: 3,
        },
        id,
      )
      const result = OfflineEngine.run(scenario, model, options)
      ratios.push(result.expectedRevenue / result.oracle.expectedRevenue)
      if (result.meanScore >= result.oracle.meanScore) scoreOk++
      if (args["per-seed"])
        console.log(
          `  ${model.name} seed ${seed}: ratio ${(result.expectedRevenue / result.oracle.expectedRevenue).toFixed(3)}` +
            ` score ${result.meanScore.toFixed(1)} / ${result.oracle.meanScore.toFixed(1)}` +
            ` impressions ${result.uniqueImpressions} / ${result.oracle.impressions} repeats ${result.repeats} none ${result.notServed}`,
        )
      if (result.campaignsOverLimit > 0) throw new Error(`${name}: a limit was exceeded (seed ${seed})`)
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length
    line.push(
      `${model.name}: min ${Math.min(...ratios).toFixed(3)} mean ${mean.toFixed(3)} score>=oracle ${scoreOk}/${ratios.length}`,
    )
  }
  console.log(line.join("  "))
}
