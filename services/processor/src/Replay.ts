import { Deliveries, NatsClient, StreamReader, Topology } from "@adflow/bus"
import { Chunk, Data, Deferred, Effect, Exit, Fiber, Option, Schedule, Stream } from "effect"
import { BatchHandler } from "./BatchHandler.js"
import { ProcessorConfig } from "./ProcessorConfig.js"
import * as Routed from "./Routed.js"

export class ReplayFailed extends Data.TaggedError("ReplayFailed")<{ readonly message: string }> {}

export interface ReplayRange {
  readonly fromSeq?: number | undefined
  readonly since?: Date | undefined
  readonly untilSeq?: number | undefined
}

export interface ReplayProgress {
  readonly done: number
  readonly total: number
  readonly lastSeq: number
}

/**
 * Feeds a range of the events stream through the same BatchHandler the live pipeline uses.
 * Chunks are split into the same campaign-keyed lanes and the lanes of a chunk run in
 * parallel, so a campaign's events still apply in stream order. Everything the handler does is
 * idempotent by event id, so replaying events that were already applied changes nothing.
 */
export const run = (
  range: ReplayRange,
  onProgress: (progress: ReplayProgress) => Effect.Effect<void> = () => Effect.void,
) =>
  Effect.gen(function* () {
    const { prefix } = yield* NatsClient
    const handler = yield* BatchHandler
    const config = yield* ProcessorConfig
    const topology = Topology.make(prefix)
    const { total } = yield* StreamReader.bounds({ stream: topology.eventsStream, ...range })
    // Nobody redelivers a replayed message, so a failed batch is retried here, then fails the replay.
    const handleOrRetry = (batch: ReadonlyArray<Routed.Routed>, countersApplied: () => void) =>
      handler.handle(batch, undefined, countersApplied).pipe(
        Effect.filterOrFail(
          (ok) => ok,
          () =>
            new ReplayFailed({
              message: `a batch ending at sequence ${batch.at(-1)?.delivery.streamSeq} could not be written`,
            }),
        ),
        Effect.retry(Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(6)))),
      )
    // Chunks being written live in this scope, not the stream's, which closes when the stream ends.
    const scope = yield* Effect.scope
    let done = 0
    let previous: Fiber.RuntimeFiber<{ size: number; lastSeq: number }, ReplayFailed> | undefined
    // Progress is reported as each chunk is written, in stream order.
    const finish = (handling: Fiber.RuntimeFiber<{ size: number; lastSeq: number }, ReplayFailed>) =>
      Effect.flatMap(Fiber.join(handling), ({ size, lastSeq }) => {
        done += size
        return onProgress({ done, total, lastSeq })
      })
    yield* StreamReader.read({ stream: topology.eventsStream, ...range }).pipe(
      // Reads ahead while the lanes write, so the next chunk is in hand when they finish.
      Stream.bufferChunks({ capacity: 8 }),
      Stream.grouped(config.batchSize * config.lanes),
      Stream.runForEach((chunk) => {
        const lanes: Array<Array<Routed.Routed>> = Array.from({ length: config.lanes }, () => [])
        let lastSeq = 0
        for (const message of chunk) {
          lastSeq = message.seq
          const kind = topology.kindOfSubject(message.subject)
          if (kind === undefined) continue
          const routed = Routed.decode(Deliveries.replayed(kind, message))
          lanes[Routed.laneOf(routed, config.lanes)]!.push(routed)
        }
        return Effect.gen(function* () {
          const batches = lanes.filter((batch) => batch.length > 0)
          const counted = yield* Effect.forEach(batches, () => Deferred.make<void>())
          const handling = yield* Effect.forEach(
            batches,
            (batch, i) =>
              handleOrRetry(batch, () => Deferred.unsafeDone(counted[i]!, Exit.void)).pipe(
                Effect.ensuring(Deferred.done(counted[i]!, Exit.void)),
              ),
            { concurrency: "unbounded", discard: true },
          ).pipe(Effect.as({ size: Chunk.size(chunk), lastSeq }), Effect.forkIn(scope))
          // The next chunk is read once this one's counters are applied (or it failed), so the
          // counters still apply in stream order while this chunk's rows are written.
          yield* Effect.forEach(counted, Deferred.await, { discard: true })
          const failedEarly = Option.filter(yield* Fiber.poll(handling), Exit.isFailure)
          if (Option.isSome(failedEarly)) yield* Fiber.join(handling)
          // At most two chunks at once: the previous one must be written before going on.
          if (previous !== undefined) yield* finish(previous)
          previous = handling
        })
      }),
    )
    if (previous !== undefined) yield* finish(previous)
    return { done, total }
  }).pipe(Effect.scoped)
