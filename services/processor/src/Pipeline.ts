import { EventConsumer, Topology } from "@adflow/bus"
import { Deferred, Duration, Effect, Exit, FiberSet, Schedule } from "effect"
import { BatchHandler } from "./BatchHandler.js"
import { ClickWaits } from "./ClickWaits.js"
import { type Arrival, DeliveryFeed } from "./DeliveryFeed.js"
import { LaneQueue } from "./LaneQueue.js"
import { ProcessorConfig } from "./ProcessorConfig.js"
import * as Routed from "./Routed.js"

/** How often a lane with waiting clicks looks at its progress and the floor when no new messages arrive. */
const WAIT_POLL = Duration.millis(50)
/**
 * Batches per lane handled at once: while one is being written, the next one's counters are
 * applied. A lane that waited for each write before taking its next batch spent most of its
 * time waiting (in the bench: ~50 ms filling a batch, ~55 ms of counters, ~85 ms for the write).
 */
const BATCHES_PER_LANE = 2

/**
 * Consumes every event subject and feeds a fixed set of lanes, each one fiber that takes a
 * batch (up to `batchSize`, waiting at most `batchWindow` to fill it) and hands it to the
 * BatchHandler. Messages are decoded and routed in the consumer's callback, with no effect per
 * message: the per-message cost is what limits throughput. Runs until its scope closes; then
 * the consumers stop first, each lane finishes the batch in hand, and whatever is still queued
 * is nak'd so another instance can take it at once.
 *
 * A click whose impression is not applied yet waits in its lane (unacknowledged, so a crash
 * loses nothing) and rejoins a batch once the lane has applied the impressions before it (see
 * ClickWaits), instead of a nak and a redelivery per try; after MAX_WAIT_MS it is nak'd as
 * before, well inside the consumers' 30 s ack wait.
 */
export const run = Effect.gen(function* () {
  const config = yield* ProcessorConfig
  const handler = yield* BatchHandler

  // Unbounded, but never large: the server stops delivering at the consumers' max_ack_pending.
  const queues = Array.from({ length: config.lanes }, () => new LaneQueue<Routed.Routed>())
  // Per lane, clicks that wait for their impression (see ClickWaits), and what has arrived.
  const waiting = queues.map((queue) => new ClickWaits(() => queue.wake()))
  const feed = new DeliveryFeed()
  yield* Effect.addFinalizer(() =>
    Effect.forEach(queues, (queue, lane) =>
      Effect.forEach(
        [...waiting[lane]!.deliveries(), ...queue.takeAll().map((r) => r.delivery)],
        (delivery) => delivery.nak(0),
      ),
    ),
  )

  /**
   * Up to batchSize messages: waits for the first (at most `wake`), then at most batchWindow more
   * to fill the batch. With them, where the lane's deliveries stand: the lane takes in arrival
   * order, so it has now taken everything that had arrived for it by then.
   */
  const nextBatch = (queue: LaneQueue<Routed.Routed>, wake: Duration.Duration | undefined) =>
    Effect.gen(function* () {
      if (queue.size === 0) {
        if (wake === undefined) yield* queue.awaitItems
        else yield* Effect.timeoutOption(queue.awaitItems, wake)
        if (queue.size === 0) return { fresh: [], taken: feed.now() }
      }
      if (queue.size < config.batchSize) yield* Effect.sleep(config.batchWindow)
      const fresh = queue.takeUpTo(config.batchSize)
      const taken: Arrival = queue.size === 0 ? feed.now() : fresh[fresh.length - 1]!.arrival
      return { fresh, taken }
    })

  const lane = (queue: LaneQueue<Routed.Routed>, waits: ClickWaits, permits: Effect.Semaphore) =>
    Effect.gen(function* () {
      const { fresh, taken } = yield* nextBatch(queue, waits.size === 0 ? undefined : WAIT_POLL)
      // Nothing new: the lane's earlier batches have applied their counters (it waits for that
      // before taking the next), so it has applied all that arrived for it.
      if (fresh.length === 0) waits.caughtUp(taken)
      const now = Date.now()
      const floor = waits.needsFloor(now, feed.lastImpressionAt)
        ? yield* Effect.orElseSucceed(handler.impressionFloor, () => undefined)
        : undefined
      const { due, wait } = waits.release(now, floor, taken)
      if (due.length === 0 && fresh.length === 0) return
      // The next batch is taken once this one's counters are applied, so a campaign's counters
      // still apply in stream order; its writes and acks go on beside the next batch.
      yield* permits.take(1)
      const countersApplied = yield* Deferred.make<void>()
      yield* FiberSet.run(
        handling,
        handler
          .handle(due.length === 0 ? fresh : [...due, ...fresh], wait, () =>
            Deferred.unsafeDone(countersApplied, Exit.void),
          )
          .pipe(
            Effect.ensuring(Effect.zipRight(permits.release(1), Deferred.done(countersApplied, Exit.void))),
          ),
      )
      yield* Deferred.await(countersApplied)
    })

  // Batches being handled; closing the scope waits for them (each is uninterruptible), so a
  // shutdown finishes the batches in hand.
  const handling = yield* FiberSet.make<boolean>()
  yield* Effect.forEach(queues, (queue, i) =>
    Effect.flatMap(Effect.makeSemaphore(BATCHES_PER_LANE), (permits) =>
      lane(queue, waiting[i]!, permits).pipe(Effect.forever, Effect.forkScoped),
    ),
  )

  yield* Effect.forEach(Topology.EVENT_KINDS, (kind) =>
    EventConsumer.subscribe(kind, { maxMessages: config.maxInFlight }, (delivery) => {
      const routed = Routed.decode(delivery, feed.arrive(delivery))
      queues[Routed.laneOf(routed, config.lanes)]!.offer(routed)
    }).pipe(
      Effect.tapErrorCause((cause) => Effect.logError(`consumer ${kind} failed; restarting`, cause)),
      Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")))),
      Effect.forkScoped,
    ),
  )
  yield* Effect.logInfo(`processor consuming ${Topology.EVENT_KINDS.join(", ")} on ${config.lanes} lanes`)
})
