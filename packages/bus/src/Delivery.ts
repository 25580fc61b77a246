import { Duration, Effect } from "effect"
import type { JsMsg } from "nats"
import type { EventKind } from "./Topology.js"

/** One message from a durable consumer, with its acknowledgements as effects. */
export interface Delivery {
  readonly kind: EventKind
  readonly subject: string
  readonly data: Uint8Array
  /** The message's sequence in the stream. */
  readonly streamSeq: number
  /** 1 on first delivery. */
  readonly deliveryCount: number
  readonly ack: Effect.Effect<void>
  /** Asks for redelivery after `delay`. */
  readonly nak: (delay: Duration.DurationInput) => Effect.Effect<void>
  /** Never redeliver (used after the message went to the dead-letter stream). */
  readonly term: (reason: string) => Effect.Effect<void>
  /** Extends the ack deadline while a slow batch is still being written. */
  readonly inProgress: Effect.Effect<void>
  /** Read back from the stream by a replay rather than delivered by a durable consumer. */
  readonly replayed: boolean
}

export const fromJsMsg = (kind: EventKind, msg: JsMsg): Delivery => ({
  kind,
  subject: msg.subject,
  data: msg.data,
  streamSeq: msg.info.streamSequence,
  deliveryCount: msg.info.redeliveryCount,
  ack: Effect.sync(() => msg.ack()),
  nak: (delay) => Effect.sync(() => msg.nak(Duration.toMillis(delay))),
  term: (reason) => Effect.sync(() => msg.term(reason)),
  inProgress: Effect.sync(() => msg.working()),
  replayed: false,
})

/**
 * A message read back by a replay: there is nobody to acknowledge, and since the whole history
 * is replayed in order, a click whose impression is missing will not find it by waiting.
 */
export const replayed = (
  kind: EventKind,
  msg: { seq: number; subject: string; data: Uint8Array },
): Delivery => ({
  kind,
  subject: msg.subject,
  data: msg.data,
  streamSeq: msg.seq,
  deliveryCount: Number.MAX_SAFE_INTEGER,
  ack: Effect.void,
  nak: () => Effect.void,
  term: () => Effect.void,
  inProgress: Effect.void,
  replayed: true,
})
