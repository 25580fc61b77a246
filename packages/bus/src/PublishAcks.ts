import { Effect } from "effect"
import { createInbox, headers, type Msg, type NatsConnection } from "nats"

export interface Ack {
  readonly seq: number
  readonly duplicate: boolean
}

interface Waiting {
  readonly resolve: (ack: Ack) => void
  readonly reject: (error: Error) => void
  readonly deadline: number
}

/** How long a publish waits for its acknowledgement: the nats client's JetStream default. */
const TIMEOUT_MS = 5_000

/**
 * JetStream publishes that wait for their store acknowledgement on one reply subscription of
 * our own, instead of `jetstream.publish`: its request-reply (nats 2.29) builds a `NatsError`,
 * with its stack trace, for every request it settles (`RequestOne.cancel`, run after the
 * answer too), and a timer per request; together ~4% of the ad request's CPU. Same wire
 * protocol: the message with `Nats-Msg-Id`, a reply subject, and the answer is the PubAck (or
 * a JetStream API error, or the server's 503 when no stream takes the subject).
 */
export const make = (connection: NatsConnection) =>
  Effect.gen(function* () {
    const inbox = createInbox()
    const waiting = new Map<string, Waiting>()
    let next = 0

    const settle = (error: Error | null, msg: Msg) => {
      if (error !== null) {
        // The subscription failed (it carries no message): nothing pending will be answered.
        for (const entry of waiting.values()) entry.reject(error)
        waiting.clear()
        return
      }
      const token = msg.subject.slice(inbox.length + 1)
      const entry = waiting.get(token)
      if (entry === undefined) return // answered after its timeout
      waiting.delete(token)
      if (msg.data.length === 0 && msg.headers?.code === 503)
        return entry.reject(new Error("no responders: no stream takes this subject"))
      let answer: {
        stream?: string
        seq?: number
        duplicate?: boolean
        error?: { code?: number; description?: string }
      }
      try {
        answer = msg.json()
      } catch (cause) {
        return entry.reject(new Error(`unreadable publish acknowledgement: ${String(cause)}`))
      }
      if (answer.error !== undefined)
        return entry.reject(new Error(answer.error.description ?? `JetStream error ${answer.error.code}`))
      if (typeof answer.stream !== "string" || answer.stream === "" || typeof answer.seq !== "number")
        return entry.reject(new Error("invalid publish acknowledgement"))
      entry.resolve({ seq: answer.seq, duplicate: answer.duplicate === true })
    }

    yield* Effect.acquireRelease(
      Effect.sync(() => connection.subscribe(`${inbox}.*`, { callback: settle })),
      (subscription) => Effect.sync(() => subscription.unsubscribe()),
    )

    // One sweep for every pending publish, rather than a timer each.
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const sweep = setInterval(() => {
          const now = Date.now()
          for (const [token, entry] of waiting)
            if (entry.deadline <= now) {
              waiting.delete(token)
              entry.reject(new Error(`no publish acknowledgement within ${TIMEOUT_MS} ms`))
            }
        }, 250)
        sweep.unref()
        return sweep
      }),
      (sweep) =>
        Effect.sync(() => {
          clearInterval(sweep)
          for (const entry of waiting.values()) entry.reject(new Error("publisher closed"))
          waiting.clear()
        }),
    )

    /** Publishes; exactly one of `resolve` and `reject` is called, once, later or at once. */
    const send = (
      subject: string,
      data: Uint8Array,
      msgID: string | undefined,
      resolve: (ack: Ack) => void,
      reject: (error: Error) => void,
    ): void => {
      const token = (next++).toString(36)
      const msgHeaders = headers()
      if (msgID !== undefined) msgHeaders.set("Nats-Msg-Id", msgID)
      waiting.set(token, { resolve, reject, deadline: Date.now() + TIMEOUT_MS })
      try {
        connection.publish(subject, data, { reply: `${inbox}.${token}`, headers: msgHeaders })
      } catch (cause) {
        waiting.delete(token)
        reject(cause instanceof Error ? cause : new Error(String(cause)))
      }
    }
    return send
  })
