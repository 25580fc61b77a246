import { Context, Effect, Layer } from "effect"
import { Counters, type CountersApi } from "./Counters.js"
import { RedisClient } from "./RedisClient.js"

/**
 * Where a rebuild builds the counters beside the live ones: appended to the live keyPrefix, so
 * a staging key is `<prefix>rebuild:{c:<id>}:seen` — the same hash tag, hence the same cluster
 * slot, as the live key it will replace. The live `Keys.ownedPattern` does not match it.
 */
export const STAGING = "rebuild:"

/** The staging connection, prefix and all: a second ioredis connection on the live one's server. */
export const stagingClient: Layer.Layer<RedisClient, never, RedisClient> = Layer.scoped(
  RedisClient,
  Effect.gen(function* () {
    const live = yield* RedisClient
    const keyPrefix = live.keyPrefix + STAGING
    const redis = yield* Effect.acquireRelease(
      Effect.sync(() => live.redis.duplicate({ keyPrefix, lazyConnect: true })),
      (redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect())),
    )
    yield* Effect.tryPromise(() => redis.connect()).pipe(Effect.orDie)
    return { redis, keyPrefix }
  }),
)

/** The same `Counters` code over the staging keys: what a rebuild's replay and the live mirroring write. */
export class StagingCounters extends Context.Tag("@adflow/counters/StagingCounters")<
  StagingCounters,
  CountersApi
>() {
  /** Appended to the live keyPrefix for the staging keys. */
  static readonly PREFIX = STAGING

  /** The staging connection (over the live RedisClient in context). */
  static readonly client = stagingClient

  static readonly layer: Layer.Layer<StagingCounters, never, RedisClient> = Layer.effect(
    StagingCounters,
    Counters.make,
  ).pipe(Layer.provide(stagingClient))

  /** Staging counters in the place of `Counters`: for the rebuild's replay, which writes staging only. */
  static readonly asCounters: Layer.Layer<Counters, never, RedisClient> = Counters.layer.pipe(
    Layer.provide(stagingClient),
  )
}
