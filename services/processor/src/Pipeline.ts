import { EventConsumer, Topology } from "@adflow/bus"
import { Chunk, Effect, Queue, Schedule, Stream } from "effect"
import { BatchHandler } from "./BatchHandler.js"
import { ProcessorConfig } from "./ProcessorConfig.js"
import * as Routed from "./Routed.js"

/**
 * Consumes every event subject and feeds a fixed set of lanes, each one fiber that batches
 * (`groupedWithin`) and hands batches to the BatchHandler. Runs until its scope closes; then the
 * consumers stop first, each lane finishes the batch in hand, and whatever is still queued is
 * nak'd so another instance can take it at once.
 */
export const run = Effect.gen(function* () {
  const config = yield* ProcessorConfig
  const handler = yield* BatchHandler

  // Small lane queues: messages wait in the client's pull buffer (bounded by maxInFlight) rather
  // than here, where lanes × maxInFlight could sit past the ack wait and be delivered again.
  const queues = yield* Effect.forEach(Array.from({ length: config.lanes }), () =>
    Queue.bounded<Routed.Routed>(config.batchSize * 2),
  )
  yield* Effect.addFinalizer(() =>
    Effect.forEach(queues, (queue) =>
      Queue.takeAll(queue).pipe(Effect.flatMap(Effect.forEach((r) => r.delivery.nak(0)))),
    ),
  )

  yield* Effect.forEach(queues, (queue) =>
    Stream.fromQueue(queue).pipe(
      Stream.groupedWithin(config.batchSize, config.batchWindow),
      Stream.runForEach((batch) => handler.handle(Chunk.toReadonlyArray(batch))),
      Effect.forkScoped,
    ),
  )

  yield* Effect.forEach(Topology.EVENT_KINDS, (kind) =>
    EventConsumer.deliveries(kind, { maxMessages: config.maxInFlight }).pipe(
      Stream.map(Routed.decode),
      Stream.runForEach((routed) => Queue.offer(queues[Routed.laneOf(routed, config.lanes)]!, routed)),
      Effect.tapErrorCause((cause) => Effect.logError(`consumer ${kind} failed; restarting`, cause)),
      Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")))),
      Effect.forkScoped,
    ),
  )
  yield* Effect.logInfo(`processor consuming ${Topology.EVENT_KINDS.join(", ")} on ${config.lanes} lanes`)
})
