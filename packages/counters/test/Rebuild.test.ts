import {
  ClickLearning,
  Counters,
  Keys,
  MirroredAdmission,
  RebuildFlag,
  RedisClient,
  StagingCounters,
  StagingSwap,
} from "@adflow/counters"
import { Money } from "@adflow/domain"
import { StackUrls } from "@adflow/testkit"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import {
  advertiserId,
  campaignId,
  click,
  clientId,
  impression,
  layer as countersLayer,
  scoreUpdate,
  outboxEntry,
} from "./fixtures.js"

const withStaging = Layer.mergeAll(StagingCounters.layer, ClickLearning.layer).pipe(
  Layer.provideMerge(countersLayer),
)

/** Every key under the connection's prefix (prefix stripped), sorted. */
const allKeys = Effect.flatMap(RedisClient, ({ redis, keyPrefix }) =>
  Effect.promise(async () => {
    const keys: Array<string> = []
    let cursor = "0"
    do {
      const [next, batch] = await redis.scan(cursor, "MATCH", `${Keys.escapeGlob(keyPrefix)}*`, "COUNT", 1000)
      keys.push(...batch.map((key) => key.slice(keyPrefix.length)))
      cursor = next
    } while (cursor !== "0")
    return keys.sort()
  }),
)

const awaitFlag = (flag: Context.Tag.Service<RebuildFlag>, active: boolean) =>
  Effect.sync(() => flag.active()).pipe(
    Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (seen) => seen === active }),
  )

// Live clock: the flag caches refresh in the background.
layer(withStaging, { excludeTestServices: true })("rebuild staging and swap", (it) => {
  it.effect("client key suffixes match Keys", () =>
    Effect.sync(() => {
      const client = clientId()
      assert.deepStrictEqual(
        StagingSwap.suffixesOf.u.map((suffix) => `{u:${client}}${suffix}`),
        [Keys.scores(client), Keys.scoresAt(client)],
      )
    }),
  )

  it.scoped(
    "the swap makes staging live per entity, deletes live-only entities and leaves other keys alone",
    () =>
      Effect.gen(function* () {
        const live = yield* Counters
        const staging = yield* StagingCounters
        const { redis, keyPrefix } = yield* RedisClient
        const urls = yield* StackUrls
        // A sibling namespace nested under ours, with live and staging keys of its own.
        const sibling = Context.get(
          yield* Layer.build(
            Layer.fresh(
              Counters.layer.pipe(
                Layer.provide(RedisClient.layer({ url: urls.redis, keyPrefix: keyPrefix + "other:" })),
              ),
            ),
          ),
          Counters,
        )

        const [rebuilt, liveOnly, untouched] = [campaignId(), campaignId(), campaignId()]
        const [a, b, c] = [clientId(), clientId(), clientId()]
        const advertiser = advertiserId()
        // Live: a corrupted campaign (spurious client b, a click), a campaign no event mentions, a client's scores.
        yield* live.applyImpressions([
          impression(rebuilt, a),
          impression(rebuilt, b),
          impression(liveOnly, a),
        ])
        yield* live.applyClicks([click(rebuilt, b)])
        yield* live.applyScores([scoreUpdate(a, advertiser, 1, 1), scoreUpdate(b, advertiser, 9, 1)])
        // Staging: the truth.
        yield* staging.applyImpressions([impression(rebuilt, a), impression(rebuilt, c, 2)])
        yield* staging.applyScores([scoreUpdate(a, advertiser, 5, 2)])
        yield* sibling.applyImpressions([impression(untouched, a)])
        yield* Effect.promise(() => redis.set(`other:${StagingCounters.PREFIX}{c:${untouched}}:seen`, "x"))
        yield* Effect.promise(() => redis.set("day", "3"))
        yield* (yield* ClickLearning).recordScores([1], [])

        // rebuilt, liveOnly, clients a and b
        assert.strictEqual(yield* StagingSwap.swap, 4)

        assert.deepStrictEqual(yield* live.campaignCounters(rebuilt), {
          impressions: 2,
          clicks: 0,
          spentImpressionsMicros: Money.fromPrice(1.5) + Money.fromPrice(2),
          spentClicksMicros: 0,
        })
        assert.isFalse(yield* live.hasSeen(rebuilt, b))
        assert.isTrue(yield* live.hasSeen(rebuilt, c))
        assert.isFalse(yield* live.hasSeen(liveOnly, a))
        const view = yield* live.readForRequest({ clientId: a, advertiserIds: [advertiser], campaignIds: [] })
        assert.strictEqual(view.scores.get(advertiser), 5)
        const viewB = yield* live.readForRequest({
          clientId: b,
          advertiserIds: [advertiser],
          campaignIds: [],
        })
        assert.strictEqual(viewB.scores.get(advertiser), 0)
        assert.deepStrictEqual(
          yield* allKeys,
          [
            "day",
            ClickLearning.KEY,
            ...[Keys.scores(a), Keys.scoresAt(a), Keys.seen(rebuilt), Keys.totals(rebuilt)],
            `other:${StagingCounters.PREFIX}{c:${untouched}}:seen`,
            `other:${Keys.seen(untouched)}`,
            `other:${Keys.totals(untouched)}`,
          ].sort(),
        )
      }),
  )

  it.effect("cleaning staging deletes the staging keys only", () =>
    Effect.gen(function* () {
      const live = yield* Counters
      const staging = yield* StagingCounters
      const campaign = campaignId()
      const client = clientId()
      yield* live.applyImpressions([impression(campaign, client)])
      yield* staging.applyImpressions([impression(campaign, client)])
      yield* staging.applyClicks([click(campaign, client)])
      yield* staging.applyScores([scoreUpdate(client, advertiserId(), 3, 1)])
      assert.isAtLeast(yield* StagingSwap.cleanStaging, 2)
      assert.isFalse(yield* staging.hasSeen(campaign, client))
      assert.deepStrictEqual((yield* staging.campaignCounters(campaign)).impressions, 0)
      assert.isTrue(yield* live.hasSeen(campaign, client))
      assert.strictEqual(
        (yield* allKeys).filter((key) => key.startsWith(StagingCounters.PREFIX + "{")).length,
        0,
      )
    }),
  )

  it.scoped("the flag: one holder, renewed and released by it only, seen by every cache", () =>
    Effect.gen(function* () {
      const flag = Context.get(yield* Layer.build(Layer.fresh(RebuildFlag.layer)), RebuildFlag)
      const [mine, theirs] = [randomUUID(), randomUUID()]
      assert.isFalse(flag.active())
      assert.isTrue(yield* RebuildFlag.acquire(mine))
      assert.isFalse(yield* RebuildFlag.acquire(theirs))
      assert.strictEqual(yield* RebuildFlag.holder, mine)
      yield* awaitFlag(flag, true)
      assert.isTrue(yield* RebuildFlag.renew(mine))
      assert.isFalse(yield* RebuildFlag.renew(theirs))
      yield* RebuildFlag.release(theirs)
      assert.strictEqual(yield* RebuildFlag.holder, mine)
      const { redis } = yield* RedisClient
      const ttl = yield* Effect.promise(() => redis.pttl(RebuildFlag.KEY))
      assert.isTrue(ttl > 0 && ttl <= 30_000)
      yield* RebuildFlag.release(mine)
      assert.isNull(yield* RebuildFlag.holder)
      assert.isFalse(yield* RebuildFlag.renew(mine))
      yield* awaitFlag(flag, false)
    }),
  )

  it.scoped("admission while the flag is set writes the staging counters too, atomically with live", () =>
    Effect.gen(function* () {
      const live = yield* Counters
      const staging = yield* StagingCounters
      const flagContext = yield* Layer.build(Layer.fresh(RebuildFlag.layer))
      const flag = Context.get(flagContext, RebuildFlag)
      const admission = yield* MirroredAdmission.make.pipe(Effect.provide(flagContext))
      const campaign = campaignId()
      const [before, during, repeat, over] = [clientId(), clientId(), clientId(), clientId()]
      const admit = (client: typeof before, event = outboxEntry()) =>
        admission.admit({
          campaignId: campaign,
          clientId: client,
          impressionsLimit: 3,
          costMicros: Money.Micros.make(500),
          event,
        })

      assert.strictEqual(yield* admit(before), "new")
      assert.isFalse(yield* staging.hasSeen(campaign, before))

      const id = randomUUID()
      assert.isTrue(yield* RebuildFlag.acquire(id))
      yield* Effect.addFinalizer(() => Effect.orDie(RebuildFlag.release(id)))
      yield* awaitFlag(flag, true)
      const duringEvent = outboxEntry()
      assert.strictEqual(yield* admit(during, duringEvent), "new")
      assert.isTrue(yield* staging.hasSeen(campaign, during))
      // The mirrored admission records its event for publishing like the plain one.
      const { redis } = yield* RedisClient
      assert.isNotNull(
        yield* Effect.promise(() => redis.zscore(Keys.unpublishedImpressions, duringEvent.json)),
      )
      assert.deepStrictEqual(yield* staging.campaignCounters(campaign), {
        impressions: 1,
        clicks: 0,
        spentImpressionsMicros: 500,
        spentClicksMicros: 0,
      })
      // A repeat is not mirrored (its first impression is in the stream); a refusal neither.
      assert.strictEqual(yield* admit(before), "repeat")
      assert.isFalse(yield* staging.hasSeen(campaign, before))
      assert.strictEqual(yield* admit(repeat), "new")
      assert.strictEqual(yield* admit(over), "limit")
      assert.isFalse(yield* staging.hasSeen(campaign, over))
      assert.strictEqual((yield* staging.campaignCounters(campaign)).impressions, 2)
      assert.strictEqual((yield* live.campaignCounters(campaign)).impressions, 3)
      // A click on an impression served during the rebuild finds it in staging.
      assert.deepStrictEqual(yield* staging.applyClicks([click(campaign, during)]), ["applied"])
    }),
  )
})
