import { AnalyticsWriter } from "@adflow/analytics"
import { NatsClient, StreamReader, Topology } from "@adflow/bus"
import { ClickLearning, Counters } from "@adflow/counters"
import { Data, Effect, Layer } from "effect"
import * as Args from "./Args.js"
import type { Command } from "./Command.js"
import { ProcessorRuntime } from "./ProcessorRuntime.js"
import { replayWithProgress } from "./ReplayCommand.js"

export class IncompleteHistory extends Data.TaggedError("IncompleteHistory")<{ readonly message: string }> {}

/**
 * Wipes the projections derived from the events (Redis counters and learned click rates,
 * ClickHouse events) and rebuilds them by replaying the whole stream. Refuses, changing nothing,
 * when the stream has lost events to its retention limits. The PostgreSQL ledger is kept: it is
 * written idempotently, so the replay leaves it as it was.
 */
export const rebuild = Effect.gen(function* () {
  const { prefix } = yield* NatsClient
  const stream = Topology.make(prefix).eventsStream
  const bounds = yield* StreamReader.bounds({ stream })
  if (bounds.streamFirstSeq > 1) {
    return yield* new IncompleteHistory({
      message:
        `the events stream starts at sequence ${bounds.streamFirstSeq}: events 1 to ${bounds.streamFirstSeq - 1} ` +
        `have expired under its retention limits, so a rebuild would lose them. Nothing was changed.`,
    })
  }
  const keys = yield* (yield* Counters).wipe
  yield* (yield* ClickLearning).reset
  yield* (yield* AnalyticsWriter).truncate()
  yield* Effect.logInfo(
    `rebuild: wiped ${keys} counter keys and the ClickHouse events; replaying ${bounds.total} events`,
  )
  return yield* replayWithProgress({}, "rebuild")
})

export const RebuildCommand: Command = {
  name: "rebuild",
  summary: "wipe Redis counters and ClickHouse events and rebuild them from the streams",
  usage: "adflow rebuild",
  run: (args) =>
    Args.parse(args, []).pipe(
      Effect.zipRight(rebuild),
      Effect.catchTag("IncompleteHistory", (e) =>
        Effect.sync(() => {
          console.error(`adflow rebuild: refused: ${e.message}`)
          process.exitCode = 1
        }),
      ),
      Effect.provide(
        Layer.mergeAll(Counters.layer, ClickLearning.layer, AnalyticsWriter.Default).pipe(
          Layer.provideMerge(ProcessorRuntime),
        ),
      ),
    ),
}
