import { Config, Context, Effect, Layer } from "effect"
import { Redis } from "ioredis"

export interface RedisClientOptions {
  readonly url: string
  /** Prepended to every key (ioredis keyPrefix, also applied to script KEYS); the testkit varies it per test file. */
  readonly keyPrefix: string
}

/** One ioredis connection, quit when its scope closes. */
export class RedisClient extends Context.Tag("@adflow/counters/RedisClient")<
  RedisClient,
  { readonly redis: Redis; readonly keyPrefix: string }
>() {
  static readonly make = (options: RedisClientOptions) =>
    Effect.gen(function* () {
      const redis = yield* Effect.acquireRelease(
        Effect.sync(
          () =>
            new Redis(options.url, {
              keyPrefix: options.keyPrefix,
              lazyConnect: true,
              // Commands wait for a reconnect instead of failing at once while Redis restarts.
              maxRetriesPerRequest: null,
              retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
              // Commands issued in the same tick (concurrent ad requests) go out in one socket
              // write: one syscall per command was ~10% of the API's CPU under load.
              enableAutoPipelining: true,
            }),
        ),
        (redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect())),
      )
      yield* Effect.tryPromise(() => redis.connect()).pipe(Effect.orDie)
      return { redis, keyPrefix: options.keyPrefix }
    })

  static readonly layer = (options: RedisClientOptions) =>
    Layer.scoped(RedisClient, RedisClient.make(options))

  static readonly layerConfig = Layer.unwrapEffect(
    Effect.gen(function* () {
      const url = yield* Config.string("ADFLOW_REDIS_URL").pipe(Config.withDefault("redis://127.0.0.1:16379"))
      const keyPrefix = yield* Config.string("ADFLOW_REDIS_PREFIX").pipe(Config.withDefault("adflow:"))
      return RedisClient.layer({ url, keyPrefix })
    }),
  )
}
