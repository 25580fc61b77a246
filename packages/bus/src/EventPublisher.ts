import type { Events } from "@adflow/domain"
import { Effect } from "effect"
import { BusError } from "./BusError.js"
import * as EventCodec from "./EventCodec.js"
import { NatsClient } from "./NatsClient.js"
import * as PublishAcks from "./PublishAcks.js"
import * as Topology from "./Topology.js"

const textEncoder = new TextEncoder()

export interface PublishAck {
  readonly seq: number
  /** True when JetStream already held an event with this id (inside its duplicate window). */
  readonly duplicate: boolean
}

/** Publishes events to JetStream with `Nats-Msg-Id` = event id, waiting for the store acknowledgement. */
export class EventPublisher extends Effect.Service<EventPublisher>()("@adflow/bus/EventPublisher", {
  scoped: Effect.gen(function* () {
    const { connection, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const send = yield* PublishAcks.make(connection)

    // One asynchronous step resumed by the acknowledgement itself: no promise per publish.
    const publishBytes = (subject: string, data: Uint8Array, msgID?: string) =>
      Effect.async<PublishAck, BusError>((resume) =>
        send(
          subject,
          data,
          msgID,
          (ack) => resume(Effect.succeed(ack)),
          (error) => resume(Effect.fail(BusError.from(`publish ${subject}`)(error))),
        ),
      )

    const publish = (event: Events.Event) =>
      publishBytes(topology.eventSubject(EventCodec.kindOf(event)), EventCodec.encode(event), event.event_id)

    /**
     * `publishText` for plain code: exactly one of `onAck` and `onError` is called, once, later
     * or at once (the ad request's hot path, without an Effect per publish).
     */
    const publishTextWith = (
      kind: Topology.EventKind,
      eventId: string | undefined,
      json: string,
      onAck: (ack: PublishAck) => void,
      onError: (error: BusError) => void,
    ): void => {
      const subject = topology.eventSubject(kind)
      send(subject, textEncoder.encode(json), eventId, onAck, (error) =>
        onError(BusError.from(`publish ${subject}`)(error)),
      )
    }

    /** An event already encoded as JSON text (`EventCodec.encodeText`), published as is. */
    const publishText = (kind: Topology.EventKind, eventId: string | undefined, json: string) =>
      Effect.async<PublishAck, BusError>((resume) =>
        publishTextWith(
          kind,
          eventId,
          json,
          (ack) => resume(Effect.succeed(ack)),
          (error) => resume(Effect.fail(error)),
        ),
      )

    return {
      publish,
      publishText,
      publishTextWith,
      /** Publishes concurrently and waits for every acknowledgement. */
      publishAll: (events: Iterable<Events.Event>) => Effect.forEach(events, publish, { concurrency: 256 }),
      /** Raw bytes to a subject, for tests and tools that must send what a careless producer would. */
      publishBytes,
      topology,
    }
  }),
}) {}
