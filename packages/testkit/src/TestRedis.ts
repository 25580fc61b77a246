import { RedisClient } from "@adflow/counters"
import { Effect, Layer } from "effect"
import { Redis } from "ioredis"
import { StackUrls } from "./StackUrls.js"
import { TestNamespace } from "./TestNamespace.js"

/** A RedisClient whose key prefix is the test file's namespace; its keys are deleted afterwards. */
export const layer = Layer.scoped(
  RedisClient,
  Effect.gen(function* () {
    const { id } = yield* TestNamespace
    const urls = yield* StackUrls
    const keyPrefix = `${id}:`
    yield* Effect.addFinalizer(() => deleteKeys(urls.redis, keyPrefix))
    return yield* RedisClient.make({ url: urls.redis, keyPrefix })
  }),
)

// A separate connection without keyPrefix: SCAN returns full key names, which a prefixed client would prefix again.
const deleteKeys = (url: string, keyPrefix: string) =>
  Effect.promise(async () => {
    const redis = new Redis(url, { lazyConnect: true })
    try {
      await redis.connect()
      let cursor = "0"
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 1000)
        if (keys.length > 0) await redis.unlink(...keys)
        cursor = next
      } while (cursor !== "0")
    } finally {
      redis.disconnect()
    }
  }).pipe(Effect.ignore)
