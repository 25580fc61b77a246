import { Replay } from "@adflow/processor"
import { Effect } from "effect"
import * as Args from "./Args.js"
import type { Command } from "./Command.js"
import { ProcessorRuntime } from "./ProcessorRuntime.js"
import * as Progress from "./Progress.js"

const options = ["from-seq", "since", "until-seq"]

export const parseRange = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const values = yield* Args.parse(args, options)
    const fromSeq = yield* Args.integer(values, "from-seq")
    const since = yield* Args.date(values, "since")
    const untilSeq = yield* Args.integer(values, "until-seq")
    if (fromSeq !== undefined && since !== undefined) {
      return yield* new Args.UsageError({ message: "give --from-seq or --since, not both" })
    }
    if (fromSeq !== undefined && untilSeq !== undefined && untilSeq < fromSeq) {
      return yield* new Args.UsageError({ message: "--until-seq must not be below --from-seq" })
    }
    return { fromSeq, since, untilSeq }
  })

/** Replays a range through the processor's pipeline, showing progress. */
export const replayWithProgress = (range: Replay.ReplayRange, label: string) =>
  Effect.gen(function* () {
    const progress = Progress.reporter(label)
    const result = yield* Replay.run(range, ({ done, total }) => progress.update(done, total))
    yield* progress.finish(result.done, result.total)
    return result
  })

export const ReplayCommand: Command = {
  name: "replay",
  summary: "feed a range of the events stream through the pipeline again (changes nothing already applied)",
  usage: "adflow replay [--from-seq N | --since <ISO time>] [--until-seq N]",
  run: (args) =>
    parseRange(args).pipe(
      Effect.flatMap((range) => replayWithProgress(range, "replay")),
      Effect.provide(ProcessorRuntime),
    ),
}
