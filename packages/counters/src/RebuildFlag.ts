import { Context, Duration, Effect, Layer, Schedule } from "effect"
import { CountersError } from "./CountersError.js"
import { RedisClient } from "./RedisClient.js"

/**
 * "A rebuild is running: mirror live writes into staging." One Redis key under the live prefix,
 * whose value is the rebuild's id. The rebuild sets it with a TTL and renews it while it runs, so
 * a crashed rebuild stops the mirroring by itself. API and processor instances answer `active`
 * from a cache refreshed in the background: never a Redis call on the request path.
 */
const KEY = "rebuild:active"

/** How often every instance re-reads the flag. The rebuild waits `SETTLE` after changing it. */
const REFRESH = Duration.millis(500)
/** Long enough for every instance's cache to have refreshed at least once since a change. */
const SETTLE = Duration.times(REFRESH, 3)
/** The flag's lifetime without a renewal. */
const TTL = Duration.seconds(30)
/** How often the running rebuild renews the flag. */
const HEARTBEAT = Duration.seconds(5)

export interface RebuildFlagApi {
  /** Whether a rebuild was running at the last refresh (at most `REFRESH` ago, unless Redis is unreachable). */
  readonly active: () => boolean
}

// Renews or deletes the flag only while it still holds this rebuild's id, so a rebuild never
// touches a flag it lost (expired, then taken by another rebuild).
const renewLua = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`
const releaseLua = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`

const call = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: CountersError.from(operation) })

export class RebuildFlag extends Context.Tag("@adflow/counters/RebuildFlag")<RebuildFlag, RebuildFlagApi>() {
  /** The key, before the connection's keyPrefix. */
  static readonly KEY = KEY
  static readonly REFRESH = REFRESH
  static readonly SETTLE = SETTLE
  static readonly TTL = TTL
  static readonly HEARTBEAT = HEARTBEAT

  /** The cached flag over the RedisClient in context, refreshed every `REFRESH` for as long as the layer lives. */
  static readonly layer: Layer.Layer<RebuildFlag, never, RedisClient> = Layer.scoped(
    RebuildFlag,
    Effect.gen(function* () {
      const { redis } = yield* RedisClient
      let active = false
      const refresh = call("rebuildFlag", () => redis.exists(KEY)).pipe(
        Effect.map((exists) => {
          active = exists === 1
        }),
        // An unreachable Redis keeps the last answer; the next refresh corrects it.
        Effect.catchAll((error) => Effect.logWarning("rebuild flag: refresh failed", error)),
      )
      yield* refresh
      yield* Effect.forkScoped(Effect.repeat(refresh, Schedule.spaced(REFRESH)))
      return { active: () => active }
    }),
  )

  /** A flag that is never set: for the rebuild's own replay, which writes staging only. */
  static readonly inactive: Layer.Layer<RebuildFlag> = Layer.succeed(RebuildFlag, { active: () => false })

  /** Sets the flag for `id` unless it is set already; answers whether it did. */
  static readonly acquire = (id: string) =>
    Effect.flatMap(RedisClient, ({ redis }) =>
      call("rebuildFlag.acquire", () => redis.set(KEY, id, "PX", Duration.toMillis(TTL), "NX")),
    ).pipe(Effect.map((reply) => reply === "OK"))

  /** Extends the flag's TTL; false when it no longer holds `id` (it expired: mirroring may have stopped). */
  static readonly renew = (id: string) =>
    Effect.flatMap(RedisClient, ({ redis }) =>
      call("rebuildFlag.renew", () => redis.eval(renewLua, 1, KEY, id, Duration.toMillis(TTL))),
    ).pipe(Effect.map((reply) => reply === 1))

  /** Deletes the flag if it still holds `id`. */
  static readonly release = (id: string) =>
    Effect.flatMap(RedisClient, ({ redis }) =>
      call("rebuildFlag.release", () => redis.eval(releaseLua, 1, KEY, id)),
    ).pipe(Effect.asVoid)

  /** The id of the rebuild holding the flag, if any. */
  static readonly holder = Effect.flatMap(RedisClient, ({ redis }) =>
    call("rebuildFlag.holder", () => redis.get(KEY)),
  )
}
