import { Chunk, Effect, Option, Schedule, Stream } from "effect"
import { type Consumer, DeliverPolicy, type JsMsg, type MsgHdrs, type OrderedConsumerOptions } from "nats"
import { BusError } from "./BusError.js"
import { NatsClient } from "./NatsClient.js"

/** Messages the reader asks the server for at a time, and hands on at a time. */
const READ_CHUNK = 1024
/** How long the server may take to answer a fetch when fewer messages than asked for are there. */
const FETCH_EXPIRES_MS = 2_000
/**
 * A fetch that fails, or brings nothing while the stream holds more of the range (a restarted
 * server lost the reader's consumer), is tried again from a new consumer for this long; then the
 * read fails: it never ends short of its range.
 */
const RETRY = Schedule.exponential("200 millis").pipe(
  Schedule.either(Schedule.spaced("2 seconds")),
  Schedule.upTo("60 seconds"),
)

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
  /** Messages left for the reader's consumer after this one, when it was delivered. */
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
      const open = (options: Partial<OrderedConsumerOptions>) =>
        Effect.tryPromise({
          try: () => jetstream.consumers.get(range.stream, options),
          catch: BusError.from(`read ${range.stream}`),
        })
      // Ephemeral, so the server would drop one left behind after a while anyway; done is done.
      const drop = (consumer: Consumer) => Effect.promise(() => consumer.delete().catch(() => false))
      let consumer: Consumer | undefined = yield* Effect.acquireRelease(open(start), () =>
        consumer === undefined ? Effect.void : drop(consumer),
      )
      /** The last sequence handed on. */
      let lastRead = firstSeq - 1
      let done = false
      // One fetch per pull, so nothing more is asked of the server than is taken downstream: nats'
      // `consume` asks for more as messages arrive, not as they are used, and a replay slower than
      // the server held most of the stream in memory (2 GB for 600,000 events).
      const fetchChunk = (from: Consumer) =>
        Effect.tryPromise({
          try: async () => {
            const chunk: Array<StoredMessage> = []
            const messages = await from.fetch({ max_messages: READ_CHUNK, expires: FETCH_EXPIRES_MS })
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
            return chunk
          },
          catch: BusError.from(`read ${range.stream}`),
        })
      const attempt = Effect.gen(function* () {
        consumer ??= yield* open(
          lastRead < firstSeq
            ? start
            : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastRead + 1 },
        )
        const chunk = yield* fetchChunk(consumer)
        if (chunk.length > 0) {
          lastRead = chunk[chunk.length - 1]!.seq
          return chunk
        }
        if (done) return chunk
        // Nothing came. Either nothing of the range is left, or the ordered consumer reset itself
        // (after a gap) or was lost with a restarted server: then a new one reads on.
        const info = yield* Effect.tryPromise({
          try: () => manager.streams.info(range.stream),
          catch: BusError.from(`stream info ${range.stream}`),
        })
        if (Math.min(info.state.last_seq, lastSeq) <= lastRead) {
          done = true
          return chunk
        }
        return yield* new BusError({
          operation: `read ${range.stream}`,
          message: `no message after sequence ${lastRead} came, though the stream holds up to ${info.state.last_seq}`,
        })
      }).pipe(
        Effect.tapError(() => {
          const lost = consumer
          consumer = undefined
          return lost === undefined ? Effect.void : drop(lost)
        }),
      )
      const pull = Effect.suspend(() =>
        done ? Effect.succeed<Array<StoredMessage>>([]) : Effect.retry(attempt, RETRY),
      )
      return Stream.repeatEffectChunkOption(
        pull.pipe(
          Effect.mapError(Option.some),
          Effect.flatMap((chunk) =>
            // An attempt answers nothing only once the range is read.
            chunk.length === 0 ? Effect.fail(Option.none()) : Effect.succeed(Chunk.unsafeFromArray(chunk)),
          ),
        ),
      )
    }),
  )
