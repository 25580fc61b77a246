import { Counters, ImpressionOutbox } from "@adflow/counters"
import { Money } from "@adflow/domain"
import { assert, layer as testLayer } from "@effect/vitest"
import { Duration, Effect, Layer, Schedule } from "effect"
import { campaignId, clientId, layer, outboxEntry } from "./fixtures.js"

const withOutbox = ImpressionOutbox.layer.pipe(Layer.provideMerge(layer))

// Live clock: the batched removal runs on a schedule.
testLayer(withOutbox, { excludeTestServices: true })("impression outbox", (it) => {
  it.effect("a new admission records its event; a repeat or a refusal at the limit records nothing", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const outbox = yield* ImpressionOutbox
      const campaign = campaignId()
      const [first, second] = [clientId(), clientId()]
      const admit = (client: typeof first, entry: ReturnType<typeof outboxEntry>) =>
        counters.admitImpression({
          campaignId: campaign,
          clientId: client,
          impressionsLimit: 1,
          costMicros: Money.fromPrice(1),
          event: entry,
        })
      const admitted = outboxEntry(1_000)
      assert.strictEqual(yield* admit(first, admitted), "new")
      assert.strictEqual(yield* admit(first, outboxEntry(1_001)), "repeat")
      assert.strictEqual(yield* admit(second, outboxEntry(1_002)), "limit")
      assert.deepStrictEqual(yield* outbox.unconfirmed(2_000, 10), [admitted.json])
      yield* outbox.remove([admitted.json])
      assert.strictEqual(yield* outbox.size, 0)
    }),
  )

  it.effect(
    "an entry is stored byte for byte, whatever its characters (the admission's text counts bytes)",
    () =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const outbox = yield* ImpressionOutbox
        // Multi-byte characters, and the protocol's own separators inside the text.
        const json = '{"event_id":"imp:é☃\u{1F600}\r\n$3\r\n","at":3000}'
        const admitted = yield* counters.admitImpression({
          campaignId: campaignId(),
          clientId: clientId(),
          impressionsLimit: 1,
          costMicros: Money.fromPrice(1),
          event: { json, at: 3_000, score: 0 },
        })
        assert.strictEqual(admitted, "new")
        assert.deepStrictEqual(yield* outbox.unconfirmed(3_001, 10), [json])
        yield* outbox.remove([json])
      }),
  )

  it.effect("answers unconfirmed entries older than the given time, oldest first, up to the limit", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const outbox = yield* ImpressionOutbox
      const campaign = campaignId()
      const entries = [outboxEntry(5_030), outboxEntry(5_010), outboxEntry(5_020), outboxEntry(5_040)]
      for (const event of entries)
        yield* counters.admitImpression({
          campaignId: campaign,
          clientId: clientId(),
          impressionsLimit: 10,
          costMicros: Money.fromPrice(1),
          event,
        })
      const [at30, at10, at20] = entries.map((e) => e.json)
      assert.deepStrictEqual(yield* outbox.unconfirmed(5_035, 10), [at10!, at20!, at30!])
      assert.deepStrictEqual(yield* outbox.unconfirmed(5_035, 2), [at10!, at20!])
      yield* outbox.remove(entries.map((e) => e.json))
    }),
  )

  it.effect("a confirmed entry is removed in the next batch", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const outbox = yield* ImpressionOutbox
      const event = outboxEntry(7_000)
      yield* counters.admitImpression({
        campaignId: campaignId(),
        clientId: clientId(),
        impressionsLimit: 10,
        costMicros: Money.fromPrice(1),
        event,
      })
      assert.deepStrictEqual(yield* outbox.unconfirmed(8_000, 10), [event.json])
      outbox.confirmed(event.json)
      yield* outbox.size.pipe(
        Effect.filterOrFail((size) => size === 0),
        Effect.retry({ schedule: Schedule.spaced(Duration.millis(20)), times: 250 }),
      )
    }),
  )

  it.effect(
    "republish publishes what is older than asked, removes what it published and keeps what failed",
    () =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const outbox = yield* ImpressionOutbox
        const campaign = campaignId()
        const [ok, failing, young] = [outboxEntry(9_010), outboxEntry(9_020), outboxEntry(9_500)]
        for (const event of [ok, failing, young])
          yield* counters.admitImpression({
            campaignId: campaign,
            clientId: clientId(),
            impressionsLimit: 10,
            costMicros: Money.fromPrice(1),
            event,
          })
        const published: Array<readonly [string | undefined, string]> = []
        const result = yield* outbox.republish(9_100, 10, (eventId, json) =>
          json === failing.json
            ? Effect.fail("NATS is down")
            : Effect.sync(() => published.push([eventId, json])),
        )
        assert.deepStrictEqual(result, { published: 1, failed: 1 })
        assert.deepStrictEqual(published, [[JSON.parse(ok.json).event_id, ok.json]])
        assert.deepStrictEqual(yield* outbox.unconfirmed(10_000, 10), [failing.json, young.json])
        yield* outbox.remove([failing.json, young.json])
      }),
  )
})
