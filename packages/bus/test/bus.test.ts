import {
  Barrier,
  DeadLetter,
  EventCodec,
  EventConsumer,
  EventPublisher,
  NatsClient,
  Provisioning,
  StreamReader,
} from "@adflow/bus"
import { TestEvents, TestNamespace, TestNats } from "@adflow/testkit"
import { assert, it, layer } from "@effect/vitest"
import { Chunk, Effect, Either, Layer, Stream } from "effect"
import { randomUUID } from "node:crypto"

// Real time: the barrier and redelivery delays wait on the clock.
const BusLive = EventPublisher.Default.pipe(
  Layer.provideMerge(TestNats.layer),
  Layer.provideMerge(TestNamespace.layer),
)

const encoder = new TextEncoder()

layer(BusLive, { excludeTestServices: true })("bus", (it) => {
  it.effect("provisioning is idempotent", () =>
    Effect.gen(function* () {
      yield* Provisioning.provision()
      yield* Provisioning.provision()
      const { manager } = yield* NatsClient
      const publisher = yield* EventPublisher
      const consumers = yield* Effect.promise(() =>
        manager.consumers.list(publisher.topology.eventsStream).next(),
      )
      assert.deepStrictEqual(consumers.map((c) => c.name).sort(), [
        "processor-click",
        "processor-impression",
        "processor-score",
      ])
    }),
  )

  it.effect("publishes with the event id as Nats-Msg-Id, consumes, acks and naks", () =>
    Effect.gen(function* () {
      yield* Provisioning.provision()
      const publisher = yield* EventPublisher
      const event = impression()
      const first = yield* publisher.publish(event)
      const again = yield* publisher.publish(event)
      assert.isFalse(first.duplicate)
      assert.isTrue(again.duplicate)
      assert.strictEqual(again.seq, first.seq)

      const [delivery] = yield* EventConsumer.deliveries("impression", { maxMessages: 10 }).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.map(Chunk.toArray),
      )
      assert.strictEqual(delivery!.deliveryCount, 1)
      assert.deepStrictEqual(EventCodec.decode("impression", delivery!.data), Either.right(event))
      yield* delivery!.nak("10 millis")
      const [redelivered] = yield* EventConsumer.deliveries("impression", { maxMessages: 10 }).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.map(Chunk.toArray),
      )
      assert.strictEqual(redelivered!.streamSeq, delivery!.streamSeq)
      assert.strictEqual(redelivered!.deliveryCount, 2)
      yield* redelivered!.ack
      assert.isTrue(yield* Barrier.awaitApplied(["impression"], "5 seconds"))
    }),
  )

  it.effect("each delivery says how many messages its consumer still had to deliver after it", () =>
    Effect.gen(function* () {
      yield* Provisioning.provision()
      const publisher = yield* EventPublisher
      // Scores: no other test here uses their consumer.
      const client = randomUUID()
      yield* publisher.publishAll([1, 2, 3].map((at) => TestEvents.scoreUpdate(client, randomUUID(), at, at)))
      const deliveries = yield* EventConsumer.deliveries("score", { maxMessages: 10 }).pipe(
        Stream.take(3),
        Stream.runCollect,
        Effect.map(Chunk.toArray),
      )
      assert.deepStrictEqual(
        deliveries.map((d) => d.pending),
        [2, 1, 0],
      )
      yield* Effect.forEach(deliveries, (d) => d.ack)
    }),
  )

  it.effect("concurrent publishes each get their own acknowledgement, stored in turn", () =>
    Effect.gen(function* () {
      yield* Provisioning.provision()
      const publisher = yield* EventPublisher
      const events = Array.from({ length: 300 }, () => impression())
      const acks = yield* publisher.publishAll(events)
      assert.isTrue(acks.every((ack) => !ack.duplicate))
      assert.strictEqual(new Set(acks.map((ack) => ack.seq)).size, events.length)
      const read = yield* StreamReader.read({
        stream: publisher.topology.eventsStream,
        fromSeq: Math.min(...acks.map((ack) => ack.seq)),
        untilSeq: Math.max(...acks.map((ack) => ack.seq)),
      }).pipe(Stream.runCollect, Effect.map(Chunk.toArray))
      // Each acknowledgement names the sequence where its own event was stored.
      const bySeq = new Map(read.map((m) => [m.seq, m.data]))
      events.forEach((event, k) =>
        assert.deepStrictEqual(
          EventCodec.decode("impression", bySeq.get(acks[k]!.seq)!),
          Either.right(event),
        ),
      )
    }),
  )

  it.effect("a publish that no stream takes fails with BusError", () =>
    Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const error = yield* Effect.flip(
        publisher.publishBytes(`nowhere.${randomUUID()}`, encoder.encode("{}")),
      )
      assert.strictEqual(error._tag, "BusError")
      assert.match(error.message, /no responders/)
    }),
  )

  it.effect("dead-letters a message with its reason and payload and acks it", () =>
    Effect.gen(function* () {
      yield* Provisioning.provision()
      const publisher = yield* EventPublisher
      const bad = encoder.encode("{not json")
      yield* publisher.publishBytes(publisher.topology.eventSubject("click"), bad)
      const [delivery] = yield* EventConsumer.deliveries("click", { maxMessages: 10 }).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.map(Chunk.toArray),
      )
      const reason = Either.getLeft(EventCodec.decode("click", delivery!.data))
      assert.isTrue(reason._tag === "Some" && reason.value.startsWith("invalid click event"))
      yield* DeadLetter.send(delivery!, "invalid click event:\n  not JSON")
      const letters = yield* DeadLetter.list
      assert.strictEqual(letters.length, 1)
      assert.strictEqual(letters[0]!.reason, "invalid click event: / not JSON")
      assert.strictEqual(letters[0]!.originalSeq, delivery!.streamSeq)
      assert.deepStrictEqual(letters[0]!.data, bad)
      // Terminated: the consumer's floor passes it, so the barrier is satisfied.
      assert.isTrue(yield* Barrier.awaitApplied(["click"], "5 seconds"))
    }),
  )

  it.effect("reads a sequence range back in order and the barrier times out while events are unacked", () =>
    Effect.gen(function* () {
      yield* Provisioning.provision()
      const publisher = yield* EventPublisher
      const events = Array.from({ length: 50 }, () => impression())
      const acks = yield* Effect.forEach(events, (e) => publisher.publish(e))
      const from = acks[10]!.seq
      const until = acks[19]!.seq
      const read = yield* StreamReader.read({
        stream: publisher.topology.eventsStream,
        fromSeq: from,
        untilSeq: until,
      }).pipe(Stream.runCollect, Effect.map(Chunk.toArray))
      assert.deepStrictEqual(
        read.map((m) => m.seq),
        acks.slice(10, 20).map((a) => a.seq),
      )
      assert.isFalse(yield* Barrier.awaitApplied(["impression"], "200 millis"))
    }),
  )

  it.scoped("reads only a little ahead of what is taken from the stream", () =>
    Effect.gen(function* () {
      yield* Provisioning.provision()
      const publisher = yield* EventPublisher
      const { manager } = yield* NatsClient
      const stream = publisher.topology.eventsStream
      const subject = publisher.topology.eventSubject("impression")
      const payload = encoder.encode("{}")
      yield* Effect.forEach(Array.from({ length: 8000 }), () => publisher.publishBytes(subject, payload), {
        concurrency: 256,
        discard: true,
      })
      const pull = yield* Stream.toPull(StreamReader.read({ stream }))
      const first = yield* pull
      assert.isAbove(Chunk.size(first), 0)
      // A reader that went on pulling would have the whole stream delivered by now.
      yield* Effect.sleep("500 millis")
      const consumers = yield* Effect.promise(() => manager.consumers.list(stream).next())
      const reader = consumers.find((c) => !c.name.startsWith("processor-"))
      assert.isDefined(reader)
      assert.isAtMost(reader!.delivered.stream_seq, 3000)
    }),
  )
})

it.effect("decode names what is wrong with a bad message", () =>
  Effect.sync(() => {
    const reasonOf = (kind: "impression" | "click" | "score", text: string | Uint8Array) =>
      Either.getLeft(EventCodec.decode(kind, typeof text === "string" ? encoder.encode(text) : text)).pipe(
        (o) => (o._tag === "Some" ? o.value : ""),
      )
    assert.match(reasonOf("impression", "{"), /invalid impression event/)
    assert.match(
      reasonOf("impression", JSON.stringify({ ...EventCodecJson(impression()), cost: "1" })),
      /cost/,
    )
    const { client_id: _, ...missing } = EventCodecJson(impression())
    assert.match(reasonOf("impression", JSON.stringify(missing)), /client_id/)
    assert.match(
      reasonOf("impression", JSON.stringify({ ...EventCodecJson(impression()), event_id: "x" })),
      /event_id must be/,
    )
    assert.match(reasonOf("click", new Uint8Array(EventCodec.MAX_EVENT_BYTES + 1)), /too large/)
    assert.match(reasonOf("score", new Uint8Array([0xff, 0xfe])), /UTF-8/)
  }),
)

const EventCodecJson = (event: ReturnType<typeof impression>) =>
  JSON.parse(new TextDecoder().decode(EventCodec.encode(event))) as Record<string, unknown>

/** An impression of a campaign nobody seeded: the bus does not care whether it exists. */
function impression() {
  return TestEvents.impression(
    { campaignId: randomUUID() as never, advertiserId: randomUUID() as never },
    randomUUID(),
  )
}
