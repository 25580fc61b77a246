import { ClickLearning, RedisClient } from "@adflow/counters"
import { Engine } from "@adflow/domain"
import { StackUrls, TestNamespace, TestRedis } from "@adflow/testkit"
import { assert, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, FastCheck as fc, Layer } from "effect"

const { ClickRate } = Engine

const layer = ClickLearning.layer.pipe(
  Layer.provideMerge(TestRedis.layer),
  Layer.provideMerge(TestNamespace.layer),
)

const counts = (observed: Engine.ClickRate.BucketCounts) =>
  observed.flatMap((c, bucket) =>
    c !== undefined && (c.impressions > 0 || c.clicks > 0) ? [[bucket, c.impressions, c.clicks]] : [],
  )

it.layer(layer)("ClickLearning", (it) => {
  it.effect("starts empty, then adds up what is recorded, bucket by bucket", () =>
    Effect.gen(function* () {
      const learning = yield* ClickLearning
      yield* learning.reset
      const empty = yield* learning.read
      assert.strictEqual(empty.length, ClickRate.BUCKET_COUNT)
      assert.deepStrictEqual(counts(empty), [])
      yield* learning.record({
        impressionsByBucket: new Map([
          [0, 5],
          [7, 3],
        ]),
        clicksByBucket: new Map([[7, 1]]),
      })
      yield* learning.record({
        impressionsByBucket: new Map([[7, 2]]),
        clicksByBucket: new Map([
          [7, 2],
          [0, 0],
        ]),
      })
      assert.deepStrictEqual(counts(yield* learning.read), [
        [0, 5, 0],
        [7, 5, 3],
      ])
    }),
  )

  it.effect("recordScores buckets the scores of impressions and clicks like ClickRate.bucketOf", () =>
    Effect.gen(function* () {
      const learning = yield* ClickLearning
      yield* learning.reset
      yield* learning.recordScores([0, 3, 3, 1_000], [3])
      assert.deepStrictEqual(counts(yield* learning.read), [
        [0, 1, 0],
        [ClickRate.bucketOf(3), 2, 1],
        [ClickRate.bucketOf(1_000), 1, 0],
      ])
      // One impression (what an ad request records) takes the single-command path.
      yield* learning.recordScores([3], [])
      assert.deepStrictEqual(counts(yield* learning.read), [
        [0, 1, 0],
        [ClickRate.bucketOf(3), 3, 1],
        [ClickRate.bucketOf(1_000), 1, 0],
      ])
    }),
  )

  it.effect("is shared: what another connection records concurrently adds up exactly; reset forgets it", () =>
    Effect.gen(function* () {
      const learning = yield* ClickLearning
      yield* learning.reset
      const { keyPrefix } = yield* RedisClient
      const urls = yield* StackUrls
      const others = yield* Effect.forEach([1, 2, 3], () =>
        Layer.build(
          Layer.fresh(
            ClickLearning.layer.pipe(Layer.provide(RedisClient.layer({ url: urls.redis, keyPrefix }))),
          ),
        ).pipe(Effect.map(Context.get(ClickLearning))),
      )
      const batches = fc.sample(
        fc.array(fc.integer({ min: 0, max: ClickRate.BUCKET_COUNT - 1 }), { minLength: 1, maxLength: 20 }),
        40,
      )
      yield* Effect.forEach(
        batches,
        (buckets, i) => {
          const impressions = new Map<number, number>()
          for (const b of buckets) impressions.set(b, (impressions.get(b) ?? 0) + 1)
          return others[i % others.length]!.record({
            impressionsByBucket: impressions,
            clicksByBucket: new Map([[buckets[0]!, 1]]),
          })
        },
        { concurrency: "unbounded" },
      )
      const expected = new Array<number>(ClickRate.BUCKET_COUNT).fill(0)
      const expectedClicks = new Array<number>(ClickRate.BUCKET_COUNT).fill(0)
      for (const buckets of batches) {
        for (const b of buckets) expected[b]!++
        expectedClicks[buckets[0]!]!++
      }
      const read = yield* learning.read
      assert.deepStrictEqual(
        read.map((c) => c?.impressions),
        expected,
      )
      assert.deepStrictEqual(
        read.map((c) => c?.clicks),
        expectedClicks,
      )
      yield* learning.reset
      assert.deepStrictEqual(counts(yield* learning.read), [])
    }).pipe(Effect.scoped),
  )

  it.effect("bad counts or buckets are a defect and change nothing", () =>
    Effect.gen(function* () {
      const learning = yield* ClickLearning
      yield* learning.reset
      const bad: ReadonlyArray<[number, number]> = [
        [-1, 1],
        [ClickRate.BUCKET_COUNT, 1],
        [1.5, 1],
        [3, -2],
        [3, 0.5],
        [3, Number.NaN],
      ]
      for (const entry of bad) {
        for (const observed of [
          { impressionsByBucket: new Map([[1, 1], entry]), clicksByBucket: new Map<number, number>() },
          { impressionsByBucket: new Map([[1, 1]]), clicksByBucket: new Map([entry]) },
        ]) {
          const exit = yield* Effect.exit(learning.record(observed))
          assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), `${entry} should die`)
        }
      }
      assert.deepStrictEqual(counts(yield* learning.read), [])
    }),
  )

  it.effect("read ignores fields it does not know and non-numeric values", () =>
    Effect.gen(function* () {
      const learning = yield* ClickLearning
      yield* learning.reset
      const { redis } = yield* RedisClient
      yield* Effect.promise(() =>
        redis.hset(ClickLearning.KEY, {
          "i:4": "7",
          "c:4": "2",
          "x:4": "9",
          "i:999": "1",
          "i:5": "many",
          other: "1",
        }),
      )
      assert.deepStrictEqual(counts(yield* learning.read), [[4, 7, 2]])
    }),
  )
})
