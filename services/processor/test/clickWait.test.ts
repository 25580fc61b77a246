import { Barrier, DeadLetter, EventConsumer, EventPublisher, NatsClient, Topology } from "@adflow/bus"
import { Counters } from "@adflow/counters"
import {
  BatchHandler,
  ProcessorConfig,
  ProcessorMetrics,
  ProcessorServices,
  type ProcessorSettings,
} from "@adflow/processor"
import { StoreLayer } from "@adflow/store"
import { TestEvents, TestSystem } from "@adflow/testkit"
import { assert, layer } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import { ClickWaits } from "../src/ClickWaits.js"
import { DeliveryFeed } from "../src/DeliveryFeed.js"
import * as Routed from "../src/Routed.js"

// The BatchHandler alone, no pipeline: the test takes each message from the durable consumers
// itself, so it decides which one is handled when.
const live = (settings: Partial<ProcessorSettings> = {}) =>
  Layer.mergeAll(
    ProcessorServices.pipe(Layer.provideMerge(ProcessorConfig.layer(settings))),
    EventPublisher.Default,
    Counters.layer,
  ).pipe(Layer.provideMerge(StoreLayer), Layer.provideMerge(TestSystem.layer))

const next = (kind: Topology.EventKind) =>
  EventConsumer.deliveries(kind, { maxMessages: 1 }).pipe(
    Stream.take(1),
    Stream.runCollect,
    Effect.map((chunk) => Chunk.unsafeHead(chunk)),
  )

/**
 * The test plays one lane: it takes each message from the consumers itself, in the order it
 * chooses, and hands it to the BatchHandler at once, so the lane has taken all that arrived.
 */
const lane = () => {
  const feed = new DeliveryFeed()
  const waits = new ClickWaits()
  return {
    waits,
    next: (kind: Topology.EventKind) =>
      Effect.map(next(kind), (delivery) => Routed.decode(delivery, feed.arrive(delivery))),
    /** What the lane's next batch brings back, with the ack floor when one is asked for. */
    released: (floor?: number) => waits.release(Date.now(), floor, feed.now()),
  }
}

const pendingOf = (kind: Topology.EventKind) =>
  Effect.gen(function* () {
    const { manager, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const info = yield* Effect.promise(() =>
      manager.consumers.info(topology.eventsStream, topology.consumerName(kind)),
    )
    return { ackPending: info.num_ack_pending, redelivered: info.num_redelivered }
  })

const floorRequests = () => ProcessorMetrics.snapshot().floorRequests

const floorPasses = (seq: number) =>
  Effect.gen(function* () {
    const handler = yield* BatchHandler
    return yield* Effect.repeat(handler.impressionFloor, { until: (floor) => floor >= seq })
  })

layer(live(), { excludeTestServices: true })("a click ahead of its impression", (it) => {
  it.effect(
    "is held, neither nak'd nor dead-lettered, until its lane has applied the impressions before it; then it counts, and no floor was asked",
    () =>
      Effect.gen(function* () {
        const handler = yield* BatchHandler
        const publisher = yield* EventPublisher
        const counters = yield* Counters
        const campaign = yield* TestEvents.seedCampaign
        const [client] = TestEvents.clients(1)
        yield* publisher.publish(TestEvents.impression(campaign, client!))
        yield* publisher.publish(TestEvents.click(campaign, client!))
        const asked = floorRequests()
        const { waits, next, released } = lane()

        // The click first: its impression is stored before it but not applied yet.
        const click = yield* next("click")
        assert.isTrue(yield* handler.handle([click], released().wait))
        assert.deepStrictEqual(waits.deliveries(), [click.delivery])
        assert.strictEqual((yield* counters.campaignCounters(campaign.campaignId)).clicks, 0)
        // Still in flight, unacknowledged and not sent back.
        assert.deepStrictEqual(yield* pendingOf("click"), { ackPending: 1, redelivered: 0 })
        assert.deepStrictEqual(released().due, [])

        // The lane applies the impression, so the click comes back in its next batch and counts.
        const impression = yield* next("impression")
        assert.isTrue(yield* handler.handle([impression], released().wait))
        const { due, wait } = released()
        assert.deepStrictEqual(due, [click])
        assert.isTrue(yield* handler.handle(due, wait))
        assert.strictEqual(waits.size, 0)
        assert.strictEqual((yield* counters.campaignCounters(campaign.campaignId)).clicks, 1)
        assert.strictEqual(floorRequests(), asked)
        assert.isTrue(yield* Barrier.awaitApplied(["impression", "click"], "30 seconds"))
      }),
  )

  it.effect("waits for the ack floor, not its lane, while its impression is in another holder's hands", () =>
    Effect.gen(function* () {
      const handler = yield* BatchHandler
      const publisher = yield* EventPublisher
      const counters = yield* Counters
      const campaign = yield* TestEvents.seedCampaign
      const [a, b] = TestEvents.clients(2)
      yield* publisher.publish(TestEvents.impression(campaign, a!))
      yield* publisher.publish(TestEvents.impression(campaign, b!))
      yield* publisher.publish(TestEvents.click(campaign, a!))
      const { waits, next, released } = lane()

      // a's impression is delivered but not applied: another instance, or a process that
      // crashed with it in hand, holds it until it is redelivered.
      const elsewhere = yield* next("impression")
      const click = yield* next("click")
      assert.isTrue(yield* handler.handle([click], released().wait))
      // The lane applies b's impression, stored right before the click: by the lane's own
      // progress, the click's impression should have been applied...
      const later = yield* next("impression")
      assert.isTrue(yield* handler.handle([later], released().wait))
      const retry = released()
      assert.deepStrictEqual(retry.due, [click])
      // ...but it was not, so the ack floor is asked, and as it has not passed a's impression,
      // the click waits for the floor: not nak'd, not dead-lettered.
      const asked = floorRequests()
      assert.isTrue(yield* handler.handle(retry.due, retry.wait))
      assert.isAbove(floorRequests(), asked)
      assert.deepStrictEqual(waits.deliveries(), [click.delivery])
      assert.deepStrictEqual(yield* pendingOf("click"), { ackPending: 1, redelivered: 0 })
      assert.deepStrictEqual(yield* DeadLetter.list, [])
      // The lane's progress alone no longer releases it.
      assert.deepStrictEqual(released().due, [])
      assert.deepStrictEqual(released(elsewhere.delivery.streamSeq - 1).due, [])

      // The holder applies a's impression; once the floor passes the click, it counts.
      assert.isTrue(yield* handler.handle([elsewhere]))
      const floor = yield* floorPasses(later.delivery.streamSeq)
      const last = released(floor)
      assert.deepStrictEqual(last.due, [click])
      assert.isTrue(yield* handler.handle(last.due, last.wait))
      assert.strictEqual(waits.size, 0)
      assert.strictEqual((yield* counters.campaignCounters(campaign.campaignId)).clicks, 1)
      assert.isTrue(yield* Barrier.awaitApplied(["impression", "click"], "30 seconds"))
    }),
  )

  it.effect("is nak'd for redelivery, as before, when no lane holds it", () =>
    Effect.gen(function* () {
      const handler = yield* BatchHandler
      const publisher = yield* EventPublisher
      const campaign = yield* TestEvents.seedCampaign
      const [client] = TestEvents.clients(1)
      yield* publisher.publish(TestEvents.impression(campaign, client!))
      yield* publisher.publish(TestEvents.click(campaign, client!))
      // No lane: the handler alone.
      const { next } = lane()
      const click = yield* next("click")
      assert.isTrue(yield* handler.handle([click]))
      // Sent back: JetStream redelivers it (after the retry delay), so it is pending again.
      const again = yield* next("click")
      assert.strictEqual(again.delivery.streamSeq, click.delivery.streamSeq)
      assert.strictEqual(again.delivery.deliveryCount, 2)
      const impression = yield* next("impression")
      assert.isTrue(yield* handler.handle([impression]))
      yield* floorPasses(impression.delivery.streamSeq)
      assert.isTrue(yield* handler.handle([again]))
      assert.isTrue(yield* Barrier.awaitApplied(["impression", "click"], "30 seconds"))
    }),
  )
})

layer(live({ clickAttempts: 2 }), { excludeTestServices: true })("a click on an ad never shown", (it) => {
  it.effect(
    "is sent back once the floor has passed it, not held, and dead-lettered with its reason when its attempts run out",
    () =>
      Effect.gen(function* () {
        const handler = yield* BatchHandler
        const publisher = yield* EventPublisher
        const counters = yield* Counters
        const campaign = yield* TestEvents.seedCampaign
        const [shown, stranger] = TestEvents.clients(2)
        yield* publisher.publish(TestEvents.impression(campaign, shown!))
        yield* publisher.publish(TestEvents.click(campaign, stranger!))
        const { waits, next, released } = lane()
        const impression = yield* next("impression")
        assert.isTrue(yield* handler.handle([impression], released().wait))
        yield* floorPasses(impression.delivery.streamSeq)

        // Its lane and the floor both say every impression before it is applied: a retry.
        const click = yield* next("click")
        assert.isTrue(yield* handler.handle([click], released().wait))
        assert.strictEqual(waits.size, 0)
        const again = yield* next("click")
        assert.strictEqual(again.delivery.deliveryCount, 2)
        assert.isTrue(yield* handler.handle([again], released().wait))
        const letters = yield* DeadLetter.list
        assert.strictEqual(letters.length, 1)
        assert.strictEqual(letters[0]!.originalSeq, click.delivery.streamSeq)
        assert.match(letters[0]!.reason, new RegExp(`client ${stranger}, who was never shown campaign`))
        assert.strictEqual((yield* counters.campaignCounters(campaign.campaignId)).clicks, 0)
        assert.isTrue(yield* Barrier.awaitApplied(["impression", "click"], "30 seconds"))
      }),
  )
})
