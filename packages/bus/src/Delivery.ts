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
  /** The same as `ack`, at once: for acknowledging a whole batch in one plain loop. */
  readonly ackNow: () => void
  /** Asks for redelivery after `delay`. */
  readonly nak: (delay: Duration.DurationInput) => Effect.Effect<void>
  /** Never redeliver (used after the message went to the dead-letter stream). */
  readonly term: (reason: string) => Effect.Effect<void>
  /** Extends the ack deadline while a slow batch is still being written. */
  readonly inProgress: Effect.Effect<void>
  /** Read back from the stream by a replay rather than delivered by a durable consumer. */
  readonly replayed: boolean
}

// A class rather than an object literal of effects: the processor receives every message
// through here, and four closures and effects allocated per message were a measurable share of
// its garbage. The effects are built only when asked for (once per message at most).
class JsMsgDelivery implements Delivery {
  readonly subject: string
  readonly data: Uint8Array
  readonly streamSeq: number
  readonly deliveryCount: number
  readonly replayed = false
  constructor(
    readonly kind: EventKind,
    private readonly msg: JsMsg,
  ) {
    this.subject = msg.subject
    this.data = msg.data
    const info = msg.info
    this.streamSeq = info.streamSequence
    this.deliveryCount = info.redeliveryCount
  }
  get ack(): Effect.Effect<void> {
    return Effect.sync(() => this.msg.ack())
  }
  ackNow(): void {
    this.msg.ack()
  }
  nak(delay: Duration.DurationInput): Effect.Effect<void> {
    return Effect.sync(() => this.msg.nak(Duration.toMillis(delay)))
  }
  term(reason: string): Effect.Effect<void> {
    return Effect.sync(() => this.msg.term(reason))
  }
  get inProgress(): Effect.Effect<void> {
    return Effect.sync(() => this.msg.working())
  }
}

export const fromJsMsg = (kind: EventKind, msg: JsMsg): Delivery => new JsMsgDelivery(kind, msg)

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
  ackNow: () => {},
  nak: () => Effect.void,
  term: () => Effect.void,
  inProgress: Effect.void,
  replayed: true,
})
