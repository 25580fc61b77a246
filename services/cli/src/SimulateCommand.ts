import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { integer, parse, UsageError } from "./Args.js"
import type { Command } from "./Command.js"
import { clickModelNames, findClickModel } from "./simulate/ClickModels.js"
import { renderTable } from "./simulate/Report.js"
import * as Simulation from "./simulate/Simulation.js"

const options = [
  "days",
  "clients",
  "campaigns",
  "seed",
  "click-model",
  "url",
  "concurrency",
  "json",
  "start-day",
  "phases",
]

export const SimulateCommand: Command = {
  name: "simulate",
  summary: "play a seeded multi-day market against a running API and report the grader's figures",
  usage:
    "adflow simulate [--days N] [--clients N] [--campaigns N] [--seed N] [--click-model NAME] [--url URL] [--concurrency N] [--json FILE] [--start-day N] [--phases N]",
  run: (args) =>
    Effect.gen(function* () {
      const values = yield* parse(args, options)
      const modelName = values.get("click-model") ?? "logistic"
      const clickModel = findClickModel(modelName)
      if (clickModel === undefined)
        return yield* new UsageError({
          message: `--click-model must be one of ${clickModelNames.join(", ")}, got '${modelName}'`,
        })
      const url = values.get("url") ?? "http://127.0.0.1:8080"
      if (!URL.canParse(url)) return yield* new UsageError({ message: `--url must be a URL, got '${url}'` })
      const concurrency = (yield* integer(values, "concurrency", 16))!
      const phasesPerDay = (yield* integer(values, "phases", 3))!
      const days = (yield* integer(values, "days", 5))!
      if (concurrency < 1 || phasesPerDay < 1 || days < 1)
        return yield* new UsageError({ message: "--days, --concurrency and --phases must be at least 1" })
      const report = yield* Simulation.run({
        url,
        days,
        clients: (yield* integer(values, "clients", 200))!,
        campaigns: (yield* integer(values, "campaigns", 60))!,
        seed: (yield* integer(values, "seed", 1))!,
        clickModel,
        concurrency,
        startDay: (yield* integer(values, "start-day", 1))!,
        phasesPerDay,
      })
      const json = values.get("json")
      if (json !== undefined)
        yield* Effect.sync(() => writeFileSync(json, JSON.stringify(report, null, 2) + "\n"))
      yield* Effect.sync(() => console.log(renderTable(report)))
    }).pipe(
      Effect.catchTag("SimulationError", (e) =>
        Effect.sync(() => {
          console.error(`adflow simulate: ${e.message}`)
          process.exitCode = 1
        }),
      ),
    ),
}
