import { Effect, Stream } from "effect"
import { headers as natsHeaders } from "nats"
import { BusError } from "./BusError.js"
import type { Delivery } from "./Delivery.js"
import { NatsClient } from "./NatsClient.js"
import * as StreamReader from "./StreamReader.js"
import type { StoredMessage } from "./StreamReader.js"
import * as Topology from "./Topology.js"

export const REASON_HEADER = "Adflow-Reason"
export const SUBJECT_HEADER = "Adflow-Original-Subject"
export const SEQ_HEADER = "Adflow-Original-Seq"

const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, " / ").trim()

/**
 * Stores a message that cannot be processed in the dead-letter stream, with the reason and
 * the original payload, then terminates it so it is never redelivered. The dead letter's
 * Nats-Msg-Id is derived from the original's stream sequence, so a crash between the two
 * steps cannot file it twice.
 */
export const send = (delivery: Delivery, reason: string) =>
  Effect.gen(function* () {
    const { jetstream, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const headers = natsHeaders()
    // Header values cannot hold line breaks; schema errors come as indented trees.
    headers.set(REASON_HEADER, oneLine(reason).slice(0, 4096))
    headers.set(SUBJECT_HEADER, delivery.subject)
    headers.set(SEQ_HEADER, String(delivery.streamSeq))
    yield* Effect.tryPromise({
      try: () =>
        jetstream.publish(topology.deadLetterSubject(delivery.kind), delivery.data, {
          headers,
          msgID: `dead:${delivery.subject}:${delivery.streamSeq}`,
        }),
      catch: BusError.from("publish dead letter"),
    })
    // Acked rather than terminated: nats-server 2.9 does not move the ack floor over terminated
    // messages, which would hold the read-your-writes barrier back.
    yield* delivery.ack
  })

export interface DeadLetterEntry {
  readonly seq: number
  readonly subject: string
  readonly reason: string
  readonly originalSubject: string
  readonly originalSeq: number
  readonly data: Uint8Array
}

const toEntry = (msg: StoredMessage): DeadLetterEntry => ({
  seq: msg.seq,
  subject: msg.subject,
  reason: msg.headers?.get(REASON_HEADER) ?? "",
  originalSubject: msg.headers?.get(SUBJECT_HEADER) ?? "",
  originalSeq: Number(msg.headers?.get(SEQ_HEADER) ?? 0),
  data: msg.data,
})

/** Every dead letter stored so far (for operators and tests). */
export const list = Effect.gen(function* () {
  const { prefix } = yield* NatsClient
  return yield* StreamReader.read({ stream: Topology.make(prefix).deadLetterStream }).pipe(
    Stream.map(toEntry),
    Stream.runCollect,
    Effect.map((chunk) => Array.from(chunk)),
  )
})
