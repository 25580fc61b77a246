import { RedisClient } from "@adflow/counters"
import { TestNamespace, TestRedis } from "@adflow/testkit"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

it.layer(TestRedis.layer.pipe(Layer.provideMerge(TestNamespace.layer)))("Redis smoke", (it) => {
  it.effect("runs a Lua script atomically on prefixed keys", () =>
    Effect.gen(function* () {
      const { redis, keyPrefix } = yield* RedisClient
      const script = "local n = redis.call('INCRBY', KEYS[1], ARGV[1]); return {n, KEYS[1]}"
      const first = yield* Effect.promise(() => redis.eval(script, 1, "hits", 2))
      const second = yield* Effect.promise(() => redis.eval(script, 1, "hits", 3))
      assert.deepStrictEqual(first, [2, `${keyPrefix}hits`])
      assert.deepStrictEqual(second, [5, `${keyPrefix}hits`])
      assert.strictEqual(yield* Effect.promise(() => redis.get("hits")), "5")
    }),
  )
})
