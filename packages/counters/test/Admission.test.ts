import { ClickLearning, Counters, Keys, RedisClient } from "@adflow/counters"
import { Engine, Money } from "@adflow/domain"
import { assert, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { campaignId, clientId, impression, layer, moreConnections, outboxEntry } from "./fixtures.js"

const cost = Money.fromPrice(0.75)

it.layer(layer)("admitImpression", (it) => {
  it.effect("admits a new client, counts and charges it once; the same client again is a repeat", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const client = clientId()
      const admit = counters.admitImpression({
        campaignId: campaign,
        clientId: client,
        impressionsLimit: 10,
        costMicros: cost,
        event: outboxEntry(),
      })
      assert.strictEqual(yield* admit, "new")
      assert.strictEqual(yield* admit, "repeat")
      assert.isTrue(yield* counters.hasSeen(campaign, client))
      assert.isFalse(yield* counters.hasSeen(campaign, clientId()))
      assert.deepStrictEqual(yield* counters.campaignCounters(campaign), {
        impressions: 1,
        clicks: 0,
        spentImpressionsMicros: 750_000,
        spentClicksMicros: 0,
      })
    }),
  )

  it.effect(
    "refuses a new client once the limit is reached and changes nothing; seen clients stay repeats",
    () =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const campaign = campaignId()
        const admit = (client: ReturnType<typeof clientId>, impressionsLimit: number) =>
          counters.admitImpression({
            campaignId: campaign,
            clientId: client,
            impressionsLimit,
            costMicros: cost,
            event: outboxEntry(),
          })
        const first = clientId()
        const second = clientId()
        const third = clientId()
        assert.strictEqual(yield* admit(first, 2), "new")
        assert.strictEqual(yield* admit(second, 2), "new")
        assert.strictEqual(yield* admit(third, 2), "limit")
        assert.strictEqual(yield* admit(first, 2), "repeat")
        assert.isFalse(yield* counters.hasSeen(campaign, third))
        const after = yield* counters.campaignCounters(campaign)
        assert.strictEqual(after.impressions, 2)
        assert.strictEqual(after.spentImpressionsMicros, 1_500_000)
        // A raised limit (e.g. a campaign not yet started) admits again.
        assert.strictEqual(yield* admit(third, 3), "new")
      }),
  )

  it.effect("a zero limit admits nobody", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const admission = yield* counters.admitImpression({
        campaignId: campaign,
        clientId: clientId(),
        impressionsLimit: 0,
        costMicros: cost,
        event: outboxEntry(),
      })
      assert.strictEqual(admission, "limit")
      assert.strictEqual((yield* counters.campaignCounters(campaign)).impressions, 0)
    }),
  )

  it.scoped("500 concurrent admissions of different clients on a limit of 37 admit exactly 37", () =>
    Effect.gen(function* () {
      const connections = yield* moreConnections(5)
      const { redis } = yield* RedisClient
      const campaign = campaignId()
      const admissions = yield* Effect.forEach(
        Array.from({ length: 500 }, (_, i) => i),
        (i) =>
          connections[i % connections.length]!.admitImpression({
            campaignId: campaign,
            clientId: clientId(),
            impressionsLimit: 37,
            costMicros: cost,
            event: outboxEntry(),
          }),
        { concurrency: "unbounded" },
      )
      assert.strictEqual(admissions.filter((a) => a === "new").length, 37)
      assert.strictEqual(admissions.filter((a) => a === "limit").length, 463)
      const counters = yield* (yield* Counters).campaignCounters(campaign)
      assert.strictEqual(counters.impressions, 37)
      assert.strictEqual(counters.spentImpressionsMicros, 37 * cost)
      assert.strictEqual(yield* Effect.promise(() => redis.scard(Keys.seen(campaign))), 37)
    }),
  )

  it.scoped("the same client admitted concurrently is new exactly once", () =>
    Effect.gen(function* () {
      const connections = yield* moreConnections(5)
      const campaign = campaignId()
      const client = clientId()
      const admissions = yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        (i) =>
          connections[i % connections.length]!.admitImpression({
            campaignId: campaign,
            clientId: client,
            impressionsLimit: 1_000,
            costMicros: cost,
            event: outboxEntry(),
          }),
        { concurrency: "unbounded" },
      )
      assert.strictEqual(admissions.filter((a) => a === "new").length, 1)
      assert.strictEqual(admissions.filter((a) => a === "repeat").length, 199)
      const counters = yield* (yield* Counters).campaignCounters(campaign)
      assert.strictEqual(counters.impressions, 1)
      assert.strictEqual(counters.spentImpressionsMicros, cost)
    }),
  )

  it.effect("the processor applying an admitted impression again is a no-op", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const client = clientId()
      const event = impression(campaign, client, 0.75)
      const admission = yield* counters.admitImpression({
        campaignId: campaign,
        clientId: client,
        impressionsLimit: 5,
        costMicros: Money.fromPrice(event.cost),
        event: outboxEntry(),
      })
      assert.strictEqual(admission, "new")
      const before = yield* counters.campaignCounters(campaign)
      assert.deepStrictEqual(yield* counters.applyImpressions([event]), ["duplicate"])
      assert.deepStrictEqual(yield* counters.campaignCounters(campaign), before)
    }),
  )

  it.effect("impressions applied from outside producers count against the limit", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const outside = [clientId(), clientId(), clientId()]
      // Applying has no limit check: all three happened and are counted, even past a limit of 2.
      yield* counters.applyImpressions(outside.map((client) => impression(campaign, client)))
      const admission = yield* counters.admitImpression({
        campaignId: campaign,
        clientId: clientId(),
        impressionsLimit: 2,
        costMicros: cost,
        event: outboxEntry(),
      })
      assert.strictEqual(admission, "limit")
      assert.strictEqual((yield* counters.campaignCounters(campaign)).impressions, 3)
      const repeat = yield* counters.admitImpression({
        campaignId: campaign,
        clientId: outside[0]!,
        impressionsLimit: 2,
        costMicros: cost,
        event: outboxEntry(),
      })
      assert.strictEqual(repeat, "repeat")
    }),
  )

  it.effect("rejects a limit or cost that is not a non-negative integer, as a defect, changing nothing", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const client = clientId()
      const bad: ReadonlyArray<readonly [number, number]> = [
        [-1, 10],
        [1.5, 10],
        [Number.NaN, 10],
        [Number.POSITIVE_INFINITY, 10],
        [10, -5],
        [10, 0.5],
      ]
      for (const [impressionsLimit, micros] of bad) {
        const exit = yield* Effect.exit(
          counters.admitImpression({
            campaignId: campaign,
            clientId: client,
            impressionsLimit,
            costMicros: micros as Money.Micros,
            event: outboxEntry(),
          }),
        )
        assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), `${impressionsLimit}, ${micros}`)
      }
      assert.isFalse(yield* counters.hasSeen(campaign, client))
      assert.strictEqual((yield* counters.campaignCounters(campaign)).impressions, 0)
    }),
  )

  it.effect(
    "admitImpressionWith calls back once with what admitImpression answers, and throws on bad input",
    () =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const campaign = campaignId()
        const client = clientId()
        const input = { campaignId: campaign, clientId: client, impressionsLimit: 1, costMicros: cost }
        const admitWith = (impressionsLimit: number) =>
          Effect.async<ReadonlyArray<string>>((resume) => {
            const calls: Array<string> = []
            counters.admitImpressionWith(
              { ...input, impressionsLimit, event: outboxEntry() },
              (admission) => calls.push(admission),
              (error) => calls.push(error._tag),
            )
            // Anything called twice would be there by the next round trip's answer.
            counters
              .hasSeen(campaign, client)
              .pipe(Effect.runPromise)
              .then(() => resume(Effect.succeed(calls)))
          })
        assert.deepStrictEqual(yield* admitWith(1), ["new"])
        assert.deepStrictEqual(yield* admitWith(1), ["repeat"])
        const other = { ...input, clientId: clientId(), event: outboxEntry() }
        assert.strictEqual(yield* counters.admitImpression(other), "limit")
        assert.throws(() =>
          counters.admitImpressionWith(
            { ...other, impressionsLimit: -1 },
            () => assert.fail("no admission"),
            () => assert.fail("no error"),
          ),
        )
        assert.strictEqual((yield* counters.campaignCounters(campaign)).impressions, 1)
      }),
  )

  it.effect(
    "a new admission learns one impression at its ML score; a repeat or a refusal learns nothing",
    () =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const learning = yield* ClickLearning.make
        yield* learning.reset
        const campaign = campaignId()
        const [first, second] = [clientId(), clientId()]
        const admit = (client: typeof first) =>
          counters.admitImpression({
            campaignId: campaign,
            clientId: client,
            impressionsLimit: 1,
            costMicros: cost,
            event: outboxEntry(1_000, 0.42),
          })
        assert.strictEqual(yield* admit(first), "new")
        assert.strictEqual(yield* admit(first), "repeat")
        assert.strictEqual(yield* admit(second), "limit")
        const learned = yield* learning.read
        const bucket = Engine.ClickRate.bucketOf(0.42)
        assert.deepStrictEqual(learned[bucket], { impressions: 1, clicks: 0 })
        assert.strictEqual(
          learned.reduce((sum, b) => sum + (b?.impressions ?? 0) + (b?.clicks ?? 0), 0),
          1,
        )
      }),
  )
})
