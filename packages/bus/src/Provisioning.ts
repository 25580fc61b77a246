import { Duration, Effect } from "effect"
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from "nats"
import { BusError } from "./BusError.js"
import { NatsClient } from "./NatsClient.js"
import * as Topology from "./Topology.js"

const nanos = (d: Duration.DurationInput) => Duration.toMillis(d) * 1_000_000

/** Events are kept for replay and rebuild; limits come from configuration in production. */
export interface RetentionOptions {
  readonly maxAge: Duration.DurationInput
  readonly maxBytes: number
}

export const defaultRetention: RetentionOptions = { maxAge: Duration.days(365), maxBytes: -1 }

const eventsStreamConfig = (
  topology: Topology.Topology,
  retention: RetentionOptions,
): Partial<StreamConfig> => ({
  name: topology.eventsStream,
  subjects: Topology.EVENT_KINDS.map(topology.eventSubject),
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  discard: DiscardPolicy.Old,
  max_age: nanos(retention.maxAge),
  max_bytes: retention.maxBytes,
  // Publishes with the same Nats-Msg-Id inside this window are stored once.
  duplicate_window: nanos(Duration.minutes(10)),
})

const deadLetterStreamConfig = (topology: Topology.Topology): Partial<StreamConfig> => ({
  name: topology.deadLetterStream,
  subjects: [topology.deadLetterSubject("*")],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  max_age: nanos(Duration.days(30)),
})

const consumerConfig = (topology: Topology.Topology, kind: Topology.EventKind): Partial<ConsumerConfig> => ({
  durable_name: topology.consumerName(kind),
  filter_subject: topology.eventSubject(kind),
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: nanos(Duration.seconds(30)),
  max_deliver: -1,
  // Bounds what a processor holds unacknowledged per consumer (its lane queues fill up to this).
  max_ack_pending: 10_000,
})

const ensureStream = (manager: JetStreamManager, config: Partial<StreamConfig>) =>
  Effect.tryPromise({
    try: async () => {
      const name = config.name!
      const existing = await manager.streams.info(name).catch(() => undefined)
      if (existing === undefined) await manager.streams.add(config)
      else await manager.streams.update(name, { ...existing.config, ...config })
    },
    catch: BusError.from(`provision stream ${config.name}`),
  })

const ensureConsumer = (manager: JetStreamManager, stream: string, config: Partial<ConsumerConfig>) =>
  Effect.tryPromise({
    try: async () => {
      const existing = await manager.consumers.info(stream, config.durable_name!).catch(() => undefined)
      if (existing === undefined) await manager.consumers.add(stream, config)
      else
        await manager.consumers.update(stream, config.durable_name!, {
          ack_wait: config.ack_wait!,
          max_ack_pending: config.max_ack_pending!,
        })
    },
    catch: BusError.from(`provision consumer ${config.durable_name}`),
  })

/** Creates or updates the streams and durable consumers; safe to run from every instance at start-up. */
export const provision = (retention: RetentionOptions = defaultRetention) =>
  Effect.gen(function* () {
    const { manager, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    yield* ensureStream(manager, eventsStreamConfig(topology, retention))
    yield* ensureStream(manager, deadLetterStreamConfig(topology))
    for (const kind of Topology.EVENT_KINDS) {
      yield* ensureConsumer(manager, topology.eventsStream, consumerConfig(topology, kind))
    }
  })
