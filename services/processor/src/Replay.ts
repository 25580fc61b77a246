import { Deliveries, NatsClient, StreamReader, Topology } from "@adflow/bus"
import { Chunk, Data, Effect, Schedule, Stream } from "effect"
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
    const handleOrRetry = (batch: ReadonlyArray<Routed.Routed>) =>
      handler.handle(batch).pipe(
        Effect.filterOrFail(
          (ok) => ok,
          () =>
            new ReplayFailed({
              message: `a batch ending at sequence ${batch.at(-1)?.delivery.streamSeq} could not be written`,
            }),
        ),
        Effect.retry(Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(6)))),
      )
    let done = 0
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
        return Effect.forEach(lanes, (batch) => (batch.length === 0 ? Effect.void : handleOrRetry(batch)), {
          concurrency: "unbounded",
          discard: true,
        }).pipe(
          Effect.zipRight(
            Effect.suspend(() => {
              done += Chunk.size(chunk)
              return onProgress({ done, total, lastSeq })
            }),
          ),
        )
      }),
    )
    return { done, total }
  })
