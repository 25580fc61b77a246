import { Barrier, EventConsumer, EventPublisher, NatsClient, Topology, type Delivery } from "@adflow/bus"
import { Counters } from "@adflow/counters"
import { BatchHandler, ProcessorConfig, ProcessorServices } from "@adflow/processor"
import { StoreLayer } from "@adflow/store"
import { TestEvents, TestSystem } from "@adflow/testkit"
import { assert, layer } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import * as Routed from "../src/Routed.js"

// The BatchHandler alone, no pipeline: the test takes each message from the durable consumers
// itself, so it decides which one is handled when.
const Live = Layer.mergeAll(
  ProcessorServices.pipe(Layer.provideMerge(ProcessorConfig.layer())),
  EventPublisher.Default,
  Counters.layer,
).pipe(Layer.provideMerge(StoreLayer), Layer.provideMerge(TestSystem.layer))

const next = (kind: Topology.EventKind) =>
  EventConsumer.deliveries(kind, { maxMessages: 1 }).pipe(
    Stream.take(1),
    Stream.runCollect,
    Effect.map((chunk) => Routed.decode(Chunk.unsafeHead(chunk))),
  )

const pendingOf = (kind: Topology.EventKind) =>
  Effect.gen(function* () {
    const { manager, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const info = yield* Effect.promise(() =>
      manager.consumers.info(topology.eventsStream, topology.consumerName(kind)),
    )
    return { ackPending: info.num_ack_pending, redelivered: info.num_redelivered }
  })

layer(Live, { excludeTestServices: true })("a click ahead of its impression", (it) => {
  it.effect(
    "is held, neither nak'd nor dead-lettered, until the impressions before it are applied; then it counts",
    () =>
      Effect.gen(function* () {
        const handler = yield* BatchHandler
        const publisher = yield* EventPublisher
        const counters = yield* Counters
        const campaign = yield* TestEvents.seedCampaign
        const [client] = TestEvents.clients(1)
        yield* publisher.publish(TestEvents.impression(campaign, client!))
        yield* publisher.publish(TestEvents.click(campaign, client!))

        // The click first: its impression is stored before it but not applied yet.
        const click = yield* next("click")
        const held: Array<Delivery> = []
        const hold = (routed: Routed.Routed) => {
          held.push(routed.delivery)
          return true
        }
        assert.isTrue(yield* handler.handle([click], hold))
        assert.deepStrictEqual(held, [click.delivery])
        assert.strictEqual((yield* counters.campaignCounters(campaign.campaignId)).clicks, 0)
        // Still in flight, unacknowledged and not sent back.
        assert.deepStrictEqual(yield* pendingOf("click"), { ackPending: 1, redelivered: 0 })

        // The impression is applied and acknowledged, so the floor passes the click...
        const impression = yield* next("impression")
        assert.isTrue(yield* handler.handle([impression]))
        yield* Effect.repeat(handler.impressionFloor, {
          until: (floor) => floor >= impression.delivery.streamSeq,
        })
        // ...and the click handed back in a later batch counts, and is acknowledged.
        held.length = 0
        assert.isTrue(yield* handler.handle([click], hold))
        assert.deepStrictEqual(held, [])
        assert.strictEqual((yield* counters.campaignCounters(campaign.campaignId)).clicks, 1)
        assert.isTrue(yield* Barrier.awaitApplied(["impression", "click"], "30 seconds"))
      }),
  )

  it.effect("is nak'd for redelivery, as before, when nobody holds it", () =>
    Effect.gen(function* () {
      const handler = yield* BatchHandler
      const publisher = yield* EventPublisher
      const campaign = yield* TestEvents.seedCampaign
      const [client] = TestEvents.clients(1)
      yield* publisher.publish(TestEvents.impression(campaign, client!))
      yield* publisher.publish(TestEvents.click(campaign, client!))
      const click = yield* next("click")
      assert.isTrue(yield* handler.handle([click], () => false))
      // Sent back: JetStream redelivers it (after the retry delay), so it is pending again.
      const again = yield* next("click")
      assert.strictEqual(again.delivery.streamSeq, click.delivery.streamSeq)
      assert.strictEqual(again.delivery.deliveryCount, 2)
      const impression = yield* next("impression")
      assert.isTrue(yield* handler.handle([impression]))
      yield* Effect.repeat(handler.impressionFloor, {
        until: (floor) => floor >= impression.delivery.streamSeq,
      })
      assert.isTrue(yield* handler.handle([again]))
      assert.isTrue(yield* Barrier.awaitApplied(["impression", "click"], "30 seconds"))
    }),
  )
})
