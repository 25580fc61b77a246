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
  /**
   * Messages the consumer still had to deliver after this one when the server sent it (0: it
   * was the last one stored then). Always 0 for a replay.
   */
  readonly pending: number
}

/**
 * A number from a JetStream ack subject, read in place: nats' own `msg.info` splits the subject
 * into a dozen strings and builds an object for every message. The subject is
 * `$JS.ACK.<stream>.<consumer>.<deliveries>.<stream seq>.<delivery seq>.<ns>.<pending>` (9
 * tokens), or with `<domain>.<account hash>` after `ACK` and an optional random token at the end
 * (11 or 12). Answers 0 for anything else, so the caller can fall back to `msg.info`.
 */
export const ackSubjectNumber = (
  subject: string,
  which: "deliveryCount" | "streamSeq" | "pending",
): number => {
  if (!subject.startsWith("$JS.ACK.")) return 0
  // indexOf hops between the dots natively: a character loop over the whole subject cost more
  // than nats' split (720 vs 580 ns per message, measured alone); this costs ~260.
  let dots = 0
  for (let i = subject.indexOf("."); i !== -1; i = subject.indexOf(".", i + 1)) dots++
  if (dots !== 8 && dots !== 10 && dots !== 11) return 0
  const token = (dots === 8 ? 4 : 6) + (which === "streamSeq" ? 1 : which === "pending" ? 4 : 0)
  let start = 0
  for (let k = 0; k < token; k++) start = subject.indexOf(".", start) + 1
  let value = 0
  let i = start
  for (; i < subject.length; i++) {
    const code = subject.charCodeAt(i)
    if (code === 46) break
    if (code < 48 || code > 57) return 0
    value = value * 10 + (code - 48)
  }
  return i === start || !Number.isSafeInteger(value) ? 0 : value
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
    // nats 2.29 keeps the ack subject as `reply` without declaring it; without it, its own parse.
    const reply = (msg as JsMsg & { readonly reply?: unknown }).reply
    const streamSeq = typeof reply === "string" ? ackSubjectNumber(reply, "streamSeq") : 0
    const deliveryCount = typeof reply === "string" ? ackSubjectNumber(reply, "deliveryCount") : 0
    if (streamSeq > 0 && deliveryCount > 0) {
      this.streamSeq = streamSeq
      this.deliveryCount = deliveryCount
    } else {
      const info = msg.info
      this.streamSeq = info.streamSequence
      this.deliveryCount = info.redeliveryCount
    }
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
  // Read when asked: only the processor's impressions need it.
  get pending(): number {
    const reply = (this.msg as JsMsg & { readonly reply?: unknown }).reply
    const pending = typeof reply === "string" ? ackSubjectNumber(reply, "pending") : 0
    // 0 is also what a subject it cannot read gives: nats' own parse then says which.
    return pending > 0 ? pending : this.msg.info.pending
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
  ackNow: nothingToDo,
  nak: nothingToSay,
  term: nothingToSay,
  inProgress: Effect.void,
  replayed: true,
  pending: 0,
})

// Shared rather than written inline: a replay builds a delivery per message, and a closure per
// message (each named by the loader's `__name`) was ~1 KB of its garbage per event.
const nothingToDo = () => {}
const nothingToSay = () => Effect.void
