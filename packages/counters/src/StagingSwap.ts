import { Effect } from "effect"
import type { Redis } from "ioredis"
import { CountersError } from "./CountersError.js"
import * as Keys from "./Keys.js"
import { RedisClient } from "./RedisClient.js"
import * as Scripts from "./Scripts.js"
import { STAGING } from "./StagingCounters.js"

/** The key suffixes of one entity after its hash tag: a campaign's (`{c:<id>}`) and a client's (`{u:<id>}`, see `Keys.scores`). */
export const suffixesOf = {
  c: Object.values(Keys.CampaignKeySuffix),
  u: [":scores", ":scores_at"],
} as const

/**
 * KEYS: one entity's live keys, then its staging keys in the same order. For each: the staging
 * key renamed over the live one if it exists, else the live key deleted. Atomic per entity, so a
 * write that touches both (staging first, as the mirroring does) lands wholly before or after.
 */
export const swapEntity: Scripts.Script = {
  name: "adflowSwapEntity",
  keys: "variable",
  lua: `
local n = #KEYS / 2
for i = 1, n do
  if redis.call('EXISTS', KEYS[n + i]) == 1 then
    redis.call('RENAME', KEYS[n + i], KEYS[i])
  else
    redis.call('DEL', KEYS[i])
  end
end
return n
`,
}

const TAG = /^\{([cu]):[^{}]+\}/
const CHUNK = 500

/** The entity tags (`{c:<id>}`, `{u:<id>}`) of the keys matching `pattern`, a SCAN batch at a time. */
const forEachTagBatch = async (
  redis: Redis,
  pattern: string,
  strip: number,
  onBatch: (tags: ReadonlyArray<string>) => Promise<void>,
) => {
  let cursor = "0"
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", CHUNK)
    const tags = new Set<string>()
    for (const key of keys) {
      const tag = TAG.exec(key.slice(strip))?.[0]
      if (tag !== undefined) tags.add(tag)
    }
    if (tags.size > 0) await onBatch([...tags])
    cursor = next
  } while (cursor !== "0")
}

const keysOf = (tag: string) => suffixesOf[tag[1] as "c" | "u"].map((suffix) => tag + suffix)

const exec = async (redis: Redis, build: (pipeline: ReturnType<Redis["pipeline"]>) => void) => {
  const pipeline = redis.pipeline()
  build(pipeline)
  for (const [error] of (await pipeline.exec()) ?? []) if (error !== null) throw error
}

const patterns = (keyPrefix: string) => ({
  staging: `${Keys.escapeGlob(keyPrefix + STAGING)}{[cu]:*`,
  live: Keys.ownedPattern(keyPrefix),
})

/**
 * Makes the staging counters live, entity by entity (`swapEntity`): first every entity that has
 * staging keys, then every live entity that has none (it came from no event, so it goes, unless
 * staging keys appeared meanwhile, which then replace it). An entity is swapped once: staging
 * keys written after its swap are garbage, for `cleanStaging` to delete once mirroring stops.
 * Answers how many entities were swapped.
 */
export const swap: Effect.Effect<number, CountersError, RedisClient> = Effect.flatMap(
  RedisClient,
  ({ redis, keyPrefix }) =>
    Effect.tryPromise({
      try: async () => {
        redis.defineCommand(swapEntity.name, { lua: swapEntity.lua })
        const { staging, live } = patterns(keyPrefix)
        const done = new Set<string>()
        const swapAll = (tags: ReadonlyArray<string>) =>
          exec(redis, (pipeline) => {
            for (const tag of tags) {
              if (done.has(tag)) continue
              done.add(tag)
              const keys = keysOf(tag)
              Scripts.queue(pipeline, swapEntity, [...keys, ...keys.map((key) => STAGING + key)], [])
            }
          })
        await forEachTagBatch(redis, staging, keyPrefix.length + STAGING.length, swapAll)
        await forEachTagBatch(redis, live, keyPrefix.length, swapAll)
        return done.size
      },
      catch: CountersError.from("stagingSwap"),
    }),
)

/**
 * Deletes every staging counter key, a whole entity per command, so a concurrent mirrored write
 * (atomic per entity) leaves an entity either gone or holding only writes made after the delete.
 * Answers how many entities it found (one seen in two SCAN batches counts twice).
 */
export const cleanStaging: Effect.Effect<number, CountersError, RedisClient> = Effect.flatMap(
  RedisClient,
  ({ redis, keyPrefix }) =>
    Effect.tryPromise({
      try: async () => {
        let deleted = 0
        await forEachTagBatch(
          redis,
          patterns(keyPrefix).staging,
          keyPrefix.length + STAGING.length,
          (tags) => {
            deleted += tags.length
            return exec(redis, (pipeline) => {
              for (const tag of tags) pipeline.del(...keysOf(tag).map((key) => STAGING + key))
            })
          },
        )
        return deleted
      },
      catch: CountersError.from("cleanStaging"),
    }),
)
