import { Duration, Effect, Schedule } from "effect"
import { BusError } from "./BusError.js"
import { NatsClient } from "./NatsClient.js"
import * as Topology from "./Topology.js"

/**
 * Read-your-writes: waits until every event of `kinds` published before the call has been
 * acknowledged by the processor, i.e. applied to every store. For each kind it takes the
 * sequence of the subject's last message now, then polls until the durable consumer's ack
 * floor reaches it (JetStream advances the floor only over a contiguous acknowledged prefix).
 * Returns false when `timeout` passes first.
 */
export const awaitApplied = (kinds: ReadonlyArray<Topology.EventKind>, timeout: Duration.DurationInput) =>
  Effect.gen(function* () {
    const { manager, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const targets = yield* Effect.forEach(
      kinds,
      (kind) =>
        Effect.tryPromise({
          try: () =>
            manager.streams
              .getMessage(topology.eventsStream, { last_by_subj: topology.eventSubject(kind) })
              .then((msg) => msg.seq)
              .catch((error: unknown) => {
                // No message on that subject yet: nothing to wait for.
                if (String(error).includes("no message found")) return 0
                throw error
              }),
          catch: BusError.from(`last message of ${kind}`),
        }).pipe(Effect.map((seq) => ({ kind, seq }))),
      { concurrency: "unbounded" },
    )
    const pending = targets.filter((t) => t.seq > 0)
    const caughtUp = Effect.forEach(
      pending,
      ({ kind, seq }) =>
        Effect.tryPromise({
          try: () => manager.consumers.info(topology.eventsStream, topology.consumerName(kind)),
          catch: BusError.from(`consumer info ${kind}`),
        }).pipe(Effect.map((info) => info.ack_floor.stream_seq >= seq)),
      { concurrency: "unbounded" },
    ).pipe(Effect.map((done) => done.every(Boolean)))

    return yield* caughtUp.pipe(
      Effect.repeat({
        until: (done) => done,
        schedule: Schedule.exponential("2 millis", 1.5).pipe(Schedule.union(Schedule.spaced("50 millis"))),
      }),
      Effect.timeoutTo({ duration: timeout, onSuccess: () => true, onTimeout: () => false }),
    )
  })

/** The stream sequence below which the durable consumer of `kind` has acknowledged everything. */
export const ackFloor = (kind: Topology.EventKind) =>
  Effect.gen(function* () {
    const { manager, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const info = yield* Effect.tryPromise({
      try: () => manager.consumers.info(topology.eventsStream, topology.consumerName(kind)),
      catch: BusError.from(`consumer info ${kind}`),
    })
    return info.ack_floor.stream_seq
  })
