import { StagingEvents } from "@adflow/analytics"
import { EventPublisher, NatsClient, StreamReader, Topology } from "@adflow/bus"
import { ImpressionOutbox, RebuildFlag, StagingSwap } from "@adflow/counters"
import { ProcessorConfig, RebuildServices } from "@adflow/processor"
import { Cause, Data, Duration, Effect, Exit, Layer, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import * as Args from "./Args.js"
import type { Command } from "./Command.js"
import { Servers } from "./ProcessorRuntime.js"
import { replayWithProgress } from "./ReplayCommand.js"

export class IncompleteHistory extends Data.TaggedError("IncompleteHistory")<{ readonly message: string }> {}

export class RebuildFailed extends Data.TaggedError("RebuildFailed")<{ readonly message: string }> {}

/** How far a rebuild got: what a failure leaves behind depends on it. */
type Phase = "building" | "swapping counters" | "swapping events"

/**
 * Rebuilds the projections derived from the events (Redis counters, ClickHouse events) from the
 * whole stream while the system keeps serving: builds them beside the live ones, with every live
 * write mirrored into them while the rebuild flag is set, then swaps them in (counters entity by
 * entity, events in one RENAME). The live projections are never below the truth meanwhile, so
 * admission never overshoots a limit, and statistics never read a partial table.
 *
 * Refuses, changing nothing, when the stream has lost events to its retention limits, or when
 * another rebuild holds the flag. The PostgreSQL ledger is written idempotently by the replay, so
 * it stays as it was. The learned click rates are left alone (see `ClickLearning`).
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
  const id = randomUUID()
  if (!(yield* RebuildFlag.acquire(id))) {
    const holder = yield* RebuildFlag.holder
    return yield* new RebuildFailed({
      message:
        `another rebuild (${holder ?? "just finished"}) holds the rebuild flag; if it crashed, the flag expires ` +
        `within ${Duration.format(RebuildFlag.TTL)}. Nothing was changed.`,
    })
  }
  const state = { phase: "building" as Phase }
  return yield* build(id, stream, state).pipe(
    Effect.scoped,
    Effect.provide(StagingEvents.Default),
    Effect.onExit((exit) => (Exit.isSuccess(exit) ? Effect.void : abandon(id))),
    Effect.catchAllCause((cause) =>
      Effect.fail(
        new RebuildFailed({
          message: `${failureMessage(state.phase)} Cause: ${Cause.pretty(cause)}`,
        }),
      ),
    ),
  )
})

const failureMessage = (phase: Phase) => {
  switch (phase) {
    case "building":
      return "the rebuild failed before the swap: the live counters and events were not touched; the flag is cleared and the staging copies dropped."
    case "swapping counters":
      return "the rebuild failed while swapping the counters: each campaign and client is either swapped (rebuilt, complete) or as it was; the events table was not touched. Run the rebuild again."
    case "swapping events":
      return "the rebuild failed while swapping the events table: the counters are rebuilt; statistics read the events table as it was before the rebuild. Run the rebuild again."
  }
}

const build = (id: string, stream: string, state: { phase: Phase }) =>
  Effect.gen(function* () {
    const staging = yield* StagingEvents
    let held = true
    yield* Effect.forkScoped(
      RebuildFlag.renew(id).pipe(
        Effect.tap((renewed) => {
          held = held && renewed
        }),
        Effect.catchAll((error) => Effect.logWarning("rebuild: renewing the flag failed", error)),
        Effect.repeat({ schedule: Schedule.spaced(RebuildFlag.HEARTBEAT), while: () => held }),
      ),
    )
    // If the flag ever lapsed, some instance may have stopped mirroring: staging may miss writes.
    const stillHeld = Effect.flatMap(RebuildFlag.renew(id), (renewed) =>
      held && renewed
        ? Effect.void
        : Effect.fail(
            new RebuildFailed({
              message: "the rebuild flag expired, so live writes may have gone unmirrored",
            }),
          ),
    )

    // Mirroring may already write staging now: every write is a true event, and both cleanups work
    // per entity or table, so what survives them is consistent (and replayed anyway).
    yield* StagingSwap.cleanStaging
    yield* staging.prepare
    yield* Effect.sleep(RebuildFlag.SETTLE)
    // Every event stored from here on is mirrored into staging by whoever applies it. Impressions
    // admitted before the flag but not published yet are only in the outbox: published now, they
    // are in the range replayed below.
    yield* publishOutbox
    const { lastSeq: mainEnd } = yield* StreamReader.bounds({ stream })
    yield* Effect.logInfo(
      `rebuild: building the projections beside the live ones from events 1 to ${mainEnd}`,
    )
    const main = yield* replayWithProgress({ untilSeq: mainEnd }, "rebuild").pipe(
      Effect.provide(RebuildServices),
    )
    // Clicks stored after mainEnd were mirrored while staging might not have had their impression yet.
    const { lastSeq: catchUpEnd } = yield* StreamReader.bounds({ stream })
    const catchUp =
      catchUpEnd > mainEnd
        ? yield* replayWithProgress({ fromSeq: mainEnd + 1, untilSeq: catchUpEnd }, "rebuild catch-up").pipe(
            Effect.provide(RebuildServices),
          )
        : { done: 0, total: 0 }

    yield* stillHeld
    state.phase = "swapping counters"
    const entities = yield* StagingSwap.swap
    yield* stillHeld
    state.phase = "swapping events"
    yield* staging.swap
    yield* RebuildFlag.release(id)
    // Mirroring stops within one refresh; what it wrote after an entity's swap is garbage.
    yield* Effect.sleep(RebuildFlag.SETTLE)
    yield* StagingSwap.cleanStaging
    yield* Effect.logInfo(`rebuild: swapped in ${entities} campaigns and clients and the events table`)
    return { done: main.done + catchUp.done, total: main.total + catchUp.total }
  })

/**
 * Publishes every impression the outbox holds from before now (`ImpressionOutbox`): admitted,
 * counted in the live counters, but not confirmed in the stream. Every admission from here on is
 * mirrored, so the staging counters get all the others.
 */
const publishOutbox = Effect.gen(function* () {
  const outbox = yield* ImpressionOutbox
  const publisher = yield* EventPublisher
  const before = Date.now()
  for (;;) {
    const { published, failed } = yield* outbox.republish(before, OUTBOX_BATCH, (eventId, json) =>
      publisher.publishText("impression", eventId, json),
    )
    if (failed > 0)
      return yield* new RebuildFailed({
        message: `${failed} admitted impressions in the outbox could not be published to the stream`,
      })
    if (published > 0)
      yield* Effect.logInfo(`rebuild: published ${published} admitted impressions from the outbox`)
    if (published < OUTBOX_BATCH) return
  }
})

const OUTBOX_BATCH = 500

/** After a failure: mirroring stopped, the staging copies gone; the live projections as they are. */
const abandon = (id: string) =>
  Effect.gen(function* () {
    yield* RebuildFlag.release(id)
    yield* Effect.flatMap(StagingEvents, (staging) => staging.drop).pipe(
      Effect.provide(StagingEvents.Default),
    )
    yield* Effect.sleep(RebuildFlag.SETTLE)
    yield* StagingSwap.cleanStaging
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError("rebuild: cleaning up after the failure failed", cause)),
    Effect.uninterruptible,
  )

export const RebuildCommand: Command = {
  name: "rebuild",
  summary:
    "rebuild the Redis counters and ClickHouse events from the streams, beside the live ones, while serving",
  usage: "adflow rebuild",
  run: (args) =>
    Args.parse(args, []).pipe(
      Effect.zipRight(rebuild),
      Effect.catchTags({
        IncompleteHistory: (e) =>
          Effect.sync(() => {
            console.error(`adflow rebuild: refused: ${e.message}`)
            process.exitCode = 1
          }),
        RebuildFailed: (e) =>
          Effect.sync(() => {
            console.error(`adflow rebuild: ${e.message}`)
            process.exitCode = 1
          }),
      }),
      Effect.provide(
        Layer.mergeAll(ProcessorConfig.layerConfig, ImpressionOutbox.layer, EventPublisher.Default).pipe(
          Layer.provideMerge(Servers),
        ),
      ),
    ),
}
