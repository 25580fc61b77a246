import { Chunk, Effect, Option, Stream } from "effect"
import { DeliverPolicy, type JsMsg, type MsgHdrs, type OrderedConsumerOptions } from "nats"
import { BusError } from "./BusError.js"
import { NatsClient } from "./NatsClient.js"

/** Messages the reader asks the server for at a time, and hands on at a time. */
const READ_CHUNK = 1024
/** How long the server may take to answer a fetch when fewer messages than asked for are there. */
const FETCH_EXPIRES_MS = 2_000
const MAX_EMPTY_FETCHES = 3

export interface StoredMessage {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
  readonly headers: MsgHdrs | undefined
  /** When the server stored it, in ms since the epoch. */
  readonly storedAt: number
}

export interface ReadRange {
  readonly stream: string
  /** First sequence to read (default: the stream's first). */
  readonly fromSeq?: number | undefined
  /** Read messages stored at or after this time instead of `fromSeq`. */
  readonly since?: Date | undefined
  /** Last sequence to read (default: the stream's last at the time the read starts). */
  readonly untilSeq?: number | undefined
}

export interface RangeBounds {
  readonly firstSeq: number
  readonly lastSeq: number
  /** How many messages the range holds at most (the stream may have gaps). */
  readonly total: number
}

// The headers (a Map per message) and the store time are read only when asked for: a replay
// uses neither. nats' ordered consumer parses the ack subject (`msg.info`) of every message anyway.
class StoredJsMsg implements StoredMessage {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
  /** Messages left in the stream after this one, when it was delivered. */
  readonly pending: number
  constructor(private readonly msg: JsMsg) {
    const info = msg.info
    this.seq = info.streamSequence
    this.pending = info.pending
    this.subject = msg.subject
    this.data = msg.data
  }
  get headers(): MsgHdrs | undefined {
    return this.msg.headers
  }
  get storedAt(): number {
    return Math.floor(this.msg.info.timestampNanos / 1_000_000)
  }
}

/** The stream's state, and the sequences a range read would cover. */
export const bounds = (range: ReadRange) =>
  Effect.gen(function* () {
    const { manager } = yield* NatsClient
    const info = yield* Effect.tryPromise({
      try: () => manager.streams.info(range.stream),
      catch: BusError.from(`stream info ${range.stream}`),
    })
    const lastSeq = Math.min(range.untilSeq ?? info.state.last_seq, info.state.last_seq)
    const firstSeq = Math.max(range.fromSeq ?? info.state.first_seq, info.state.first_seq)
    return {
      firstSeq,
      lastSeq,
      // An empty stream reports first_seq = last_seq = 0; a purged one first_seq = last_seq + 1.
      total: info.state.messages === 0 ? 0 : Math.max(0, lastSeq - firstSeq + 1),
      streamFirstSeq: info.state.first_seq,
    }
  })

/**
 * Reads a range of a stream in order through an ordered (ephemeral) consumer; no acks, no
 * durable state. The stream ends after the range's last sequence.
 */
export const read = (range: ReadRange): Stream.Stream<StoredMessage, BusError, NatsClient> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const { jetstream, manager } = yield* NatsClient
      const { firstSeq, lastSeq, total } = yield* bounds(range)
      if (total === 0) return Stream.empty
      // A start time after the last message would leave the reader waiting for ever.
      if (range.since !== undefined) {
        const last = yield* Effect.tryPromise({
          try: () => manager.streams.getMessage(range.stream, { seq: lastSeq }),
          catch: BusError.from(`read ${range.stream}`),
        })
        if (last.time.getTime() < range.since.getTime()) return Stream.empty
      }
      const start: Partial<OrderedConsumerOptions> =
        range.since !== undefined
          ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: range.since.toISOString() }
          : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: firstSeq }
      const consumer = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => jetstream.consumers.get(range.stream, start),
          catch: BusError.from(`read ${range.stream}`),
        }),
        // Ephemeral, so the server would drop it after a while anyway; done is done.
        (consumer) => Effect.promise(() => consumer.delete().catch(() => false)),
      )
      let done = false
      let emptyFetches = 0
      // One fetch per pull, so nothing more is asked of the server than is taken downstream: nats'
      // `consume` asks for more as messages arrive, not as they are used, and a replay slower than
      // the server held most of the stream in memory (2 GB for 600,000 events).
      const pull = Effect.tryPromise({
        try: async () => {
          const chunk: Array<StoredMessage> = []
          if (done) return chunk
          const messages = await consumer.fetch({ max_messages: READ_CHUNK, expires: FETCH_EXPIRES_MS })
          for await (const msg of messages) {
            const stored = new StoredJsMsg(msg)
            if (stored.seq > lastSeq) {
              done = true
              break
            }
            chunk.push(stored)
            // The range's last sequence may have been deleted: nothing pending after a message ends the read too.
            if (stored.seq >= lastSeq || stored.pending === 0) {
              done = true
              break
            }
          }
          // A fetch cut short by the ordered consumer's reset (after a gap) may bring nothing; the
          // next one goes on from where it stopped. Several empty ones in a row: nothing is left.
          emptyFetches = chunk.length === 0 ? emptyFetches + 1 : 0
          if (emptyFetches >= MAX_EMPTY_FETCHES) done = true
          return chunk
        },
        catch: BusError.from(`read ${range.stream}`),
      })
      return Stream.repeatEffectChunkOption(
        pull.pipe(
          Effect.mapError(Option.some),
          Effect.flatMap((chunk) =>
            chunk.length === 0 && done
              ? Effect.fail(Option.none())
              : Effect.succeed(Chunk.unsafeFromArray(chunk)),
          ),
        ),
      )
    }),
  )
