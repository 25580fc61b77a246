import { Effect, Stream } from "effect"
import { BusError } from "./BusError.js"
import * as Delivery from "./Delivery.js"
import * as MessageStream from "./MessageStream.js"
import { NatsClient } from "./NatsClient.js"
import * as Topology from "./Topology.js"

export interface ConsumeOptions {
  /** How many unacknowledged messages this process keeps in flight from the server. */
  readonly maxMessages: number
}

/** The processor's durable pull consumer for `kind` (provisioned by `Provisioning`). */
const durableConsumer = (kind: Topology.EventKind) =>
  Effect.gen(function* () {
    const { jetstream, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    return yield* Effect.tryPromise({
      try: () => jetstream.consumers.get(topology.eventsStream, topology.consumerName(kind)),
      catch: BusError.from(`get consumer ${topology.consumerName(kind)}`),
    })
  })

/**
 * The messages of one kind's durable pull consumer as a Stream. Several processes may consume
 * the same durable consumer: JetStream spreads messages among them. The client library keeps
 * pulling across reconnects; the stream ends only when its scope closes.
 */
export const deliveries = (kind: Topology.EventKind, options: ConsumeOptions) =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const consumer = yield* durableConsumer(kind)
      return MessageStream.fromConsumer(
        () => consumer.consume({ max_messages: options.maxMessages }),
        `consume ${kind}`,
      ).pipe(Stream.map((msg) => Delivery.fromJsMsg(kind, msg)))
    }),
  )

/**
 * The same consumer with a plain callback per message: no Effect per message, for the hot
 * path. Runs until the consumer stops on its own (deleted, or the connection closed for good)
 * and stops it when interrupted. The server's `max_ack_pending` bounds what is in flight.
 */
export const subscribe = (
  kind: Topology.EventKind,
  options: ConsumeOptions,
  onDelivery: (delivery: Delivery.Delivery) => void,
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const consumer = yield* durableConsumer(kind)
      const messages = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () =>
            consumer.consume({
              max_messages: options.maxMessages,
              callback: (msg) => onDelivery(Delivery.fromJsMsg(kind, msg)),
            }),
          catch: BusError.from(`consume ${kind}`),
        }),
        (messages) => Effect.sync(() => messages.stop()),
      )
      const closed = yield* Effect.promise(() => messages.closed())
      return yield* new BusError({
        operation: `consume ${kind}`,
        message: closed instanceof Error ? closed.message : "the consumer stopped",
      })
    }),
  )
