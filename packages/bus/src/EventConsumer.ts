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

/**
 * The messages of one kind's durable pull consumer as a Stream. Several processes may consume
 * the same durable consumer: JetStream spreads messages among them. The client library keeps
 * pulling across reconnects; the stream ends only when its scope closes.
 */
export const deliveries = (kind: Topology.EventKind, options: ConsumeOptions) =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const { jetstream, prefix } = yield* NatsClient
      const topology = Topology.make(prefix)
      const consumer = yield* Effect.tryPromise({
        try: () => jetstream.consumers.get(topology.eventsStream, topology.consumerName(kind)),
        catch: BusError.from(`get consumer ${topology.consumerName(kind)}`),
      })
      return MessageStream.fromConsumer(
        () => consumer.consume({ max_messages: options.maxMessages }),
        `consume ${kind}`,
      ).pipe(Stream.map((msg) => Delivery.fromJsMsg(kind, msg)))
    }),
  )
