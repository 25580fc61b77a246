import { NatsClient, Naming } from "@adflow/bus"
import { TestNamespace, TestNats } from "@adflow/testkit"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { AckPolicy, StringCodec } from "nats"

const codec = StringCodec()

it.layer(TestNats.layer.pipe(Layer.provideMerge(TestNamespace.layer)))("NATS JetStream smoke", (it) => {
  it.effect("publishes a message and consumes it back with an ack", () =>
    Effect.gen(function* () {
      const { manager, jetstream, prefix } = yield* NatsClient
      const stream = Naming.streamName(prefix, "SMOKE")
      const subject = Naming.subject(prefix, "smoke")
      yield* Effect.promise(() => manager.streams.add({ name: stream, subjects: [subject] }))
      const ack = yield* Effect.promise(() =>
        jetstream.publish(subject, codec.encode("hello"), { msgID: "m-1" }),
      )
      assert.strictEqual(ack.seq, 1)
      const duplicate = yield* Effect.promise(() =>
        jetstream.publish(subject, codec.encode("hello"), { msgID: "m-1" }),
      )
      assert.isTrue(duplicate.duplicate)

      yield* Effect.promise(() =>
        manager.consumers.add(stream, { durable_name: "smoke", ack_policy: AckPolicy.Explicit }),
      )
      const consumer = yield* Effect.promise(() => jetstream.consumers.get(stream, "smoke"))
      const message = yield* Effect.promise(() => consumer.next({ expires: 5_000 }))
      assert.strictEqual(message && codec.decode(message.data), "hello")
      yield* Effect.promise(() => message!.ackAck())
      const info = yield* Effect.promise(() => consumer.info())
      assert.strictEqual(info.num_ack_pending, 0)
      assert.strictEqual(info.num_pending, 0)
    }),
  )
})
