import { Chunk, Effect, Option, Stream } from "effect"
import { DeliverPolicy, type MsgHdrs, type OrderedConsumerOptions } from "nats"
import { BusError } from "./BusError.js"
import { NatsClient } from "./NatsClient.js"

/** Messages the reader asks the server for at a time, and hands on at a time. */
const READ_CHUNK = 1024

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
      const consumer = yield* Effect.tryPromise({
        try: () => jetstream.consumers.get(range.stream, start),
        catch: BusError.from(`read ${range.stream}`),
      })
      const messages = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => consumer.consume({ max_messages: READ_CHUNK }),
          catch: BusError.from(`read ${range.stream}`),
        }),
        (messages) => Effect.sync(() => messages.stop()),
      )
      const iterator = messages[Symbol.asyncIterator]()
      let done = false
      // Up to READ_CHUNK messages per effect: a replay reads the whole stream, and an effect and
      // a stream step per message cost more than handling the message.
      const pull = Effect.tryPromise({
        try: async () => {
          const chunk: Array<StoredMessage> = []
          while (!done && chunk.length < READ_CHUNK) {
            const next = await iterator.next()
            if (next.done || next.value.seq > lastSeq) {
              done = true
              break
            }
            const msg = next.value
            chunk.push({
              seq: msg.seq,
              subject: msg.subject,
              data: msg.data,
              headers: msg.headers,
              storedAt: Math.floor(msg.info.timestampNanos / 1_000_000),
            })
            // The range's last sequence may have been deleted: nothing pending after a message ends the read too.
            if (msg.seq >= lastSeq || msg.info.pending === 0) done = true
          }
          return chunk
        },
        catch: BusError.from(`read ${range.stream}`),
      })
      return Stream.repeatEffectChunkOption(
        pull.pipe(
          Effect.mapError(Option.some),
          Effect.flatMap((chunk) =>
            chunk.length === 0 ? Effect.fail(Option.none()) : Effect.succeed(Chunk.unsafeFromArray(chunk)),
          ),
        ),
      )
    }),
  )
