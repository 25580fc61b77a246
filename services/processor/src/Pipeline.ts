import { EventConsumer, Topology } from "@adflow/bus"
import { Chunk, Effect, Queue, Schedule } from "effect"
import { BatchHandler } from "./BatchHandler.js"
import { ProcessorConfig } from "./ProcessorConfig.js"
import * as Routed from "./Routed.js"

/**
 * Consumes every event subject and feeds a fixed set of lanes, each one fiber that takes a
 * batch (up to `batchSize`, waiting at most `batchWindow` to fill it) and hands it to the
 * BatchHandler. Messages are decoded and routed in the consumer's callback, with no effect per
 * message: the per-message cost is what limits throughput. Runs until its scope closes; then
 * the consumers stop first, each lane finishes the batch in hand, and whatever is still queued
 * is nak'd so another instance can take it at once.
 */
export const run = Effect.gen(function* () {
  const config = yield* ProcessorConfig
  const handler = yield* BatchHandler

  // Unbounded, but never large: the server stops delivering at the consumers' max_ack_pending.
  const queues = yield* Effect.forEach(Array.from({ length: config.lanes }), () =>
    Queue.unbounded<Routed.Routed>(),
  )
  yield* Effect.addFinalizer(() =>
    Effect.forEach(queues, (queue) =>
      Queue.takeAll(queue).pipe(Effect.flatMap(Effect.forEach((r) => r.delivery.nak(0)))),
    ),
  )

  const nextBatch = (queue: Queue.Queue<Routed.Routed>) =>
    Effect.gen(function* () {
      const first = yield* Queue.takeBetween(queue, 1, config.batchSize)
      if (Chunk.size(first) >= config.batchSize) return first
      yield* Effect.sleep(config.batchWindow)
      return Chunk.appendAll(first, yield* Queue.takeUpTo(queue, config.batchSize - Chunk.size(first)))
    })

  yield* Effect.forEach(queues, (queue) =>
    nextBatch(queue).pipe(
      Effect.flatMap((batch) => handler.handle(Chunk.toReadonlyArray(batch))),
      Effect.forever,
      Effect.forkScoped,
    ),
  )

  yield* Effect.forEach(Topology.EVENT_KINDS, (kind) =>
    EventConsumer.subscribe(kind, { maxMessages: config.maxInFlight }, (delivery) => {
      const routed = Routed.decode(delivery)
      Queue.unsafeOffer(queues[Routed.laneOf(routed, config.lanes)]!, routed)
    }).pipe(
      Effect.tapErrorCause((cause) => Effect.logError(`consumer ${kind} failed; restarting`, cause)),
      Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")))),
      Effect.forkScoped,
    ),
  )
  yield* Effect.logInfo(`processor consuming ${Topology.EVENT_KINDS.join(", ")} on ${config.lanes} lanes`)
})
