import { Context, Duration, Effect, Either, Layer, Schedule } from "effect"
import { CountersError } from "./CountersError.js"
import * as Keys from "./Keys.js"
import { RedisClient } from "./RedisClient.js"

/** How long confirmed publishes wait to be removed together, in one ZREM. */
const REMOVE_EVERY = Duration.millis(50)

export interface ImpressionOutboxApi {
  /**
   * The impression's publish was acknowledged by JetStream: its entry goes with the next batched
   * removal. Losing a removal (a crash, Redis down) only means one more deduplicated publish.
   */
  readonly confirmed: (json: string) => void
  /** Entries admitted before `before` (ms) and still unconfirmed, oldest first, at most `limit`. */
  readonly unconfirmed: (before: number, limit: number) => Effect.Effect<ReadonlyArray<string>, CountersError>
  /** Removes entries now (after publishing them again). */
  readonly remove: (jsons: ReadonlyArray<string>) => Effect.Effect<void, CountersError>
  /** How many entries wait. */
  readonly size: Effect.Effect<number, CountersError>
  /**
   * Publishes again, with `publish`, the entries admitted before `before` (at most `limit`, oldest
   * first) and removes the ones it published. An entry is passed as written, with the event id
   * read from it when it has one.
   */
  readonly republish: <E>(
    before: number,
    limit: number,
    publish: (eventId: string | undefined, json: string) => Effect.Effect<unknown, E>,
  ) => Effect.Effect<Republished, CountersError>
}

export interface Republished {
  readonly published: number
  readonly failed: number
}

/** The event id in an entry, or none (whoever consumes it then says what is wrong with it). */
const eventIdOf = (json: string): string | undefined => {
  try {
    const id: unknown = JSON.parse(json)?.event_id
    return typeof id === "string" ? id : undefined
  } catch {
    return undefined
  }
}

/** How many entries `republish` publishes at once. */
const PUBLISH_CONCURRENCY = 64

const call = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: CountersError.from(operation) })

/**
 * Admitted impressions whose event is not known to be in JetStream yet (`Keys.unpublishedImpressions`).
 * The admission script adds the event (so counting an impression and recording its event are one
 * atomic step); the ad request confirms it once JetStream acknowledged the publish; whatever stays
 * unconfirmed (a failed publish, an API killed between the two) is published again by
 * the API's `OutboxRelay`, and by `adflow rebuild` before it replays the stream. Publishing twice is harmless: the event id deduplicates it.
 */
export class ImpressionOutbox extends Context.Tag("@adflow/counters/ImpressionOutbox")<
  ImpressionOutbox,
  ImpressionOutboxApi
>() {
  static readonly layer: Layer.Layer<ImpressionOutbox, never, RedisClient> = Layer.scoped(
    ImpressionOutbox,
    Effect.gen(function* () {
      const { redis } = yield* RedisClient
      const key = Keys.unpublishedImpressions

      const remove = (jsons: ReadonlyArray<string>) =>
        jsons.length === 0
          ? Effect.void
          : call("impressionOutbox.remove", () => redis.zrem(key, ...jsons)).pipe(Effect.asVoid)

      let pending: Array<string> = []
      const removePending = Effect.suspend(() => {
        const batch = pending
        pending = []
        return remove(batch).pipe(
          Effect.catchAll((error) => Effect.logWarning("impression outbox: removal failed", error)),
        )
      })
      yield* Effect.forkScoped(Effect.repeat(removePending, Schedule.spaced(REMOVE_EVERY)))
      yield* Effect.addFinalizer(() => removePending)

      const unconfirmed = (before: number, limit: number) =>
        call("impressionOutbox.unconfirmed", () =>
          redis.zrangebyscore(key, "-inf", before, "LIMIT", 0, limit),
        )

      const republish = <E>(
        before: number,
        limit: number,
        publish: (eventId: string | undefined, json: string) => Effect.Effect<unknown, E>,
      ) =>
        Effect.gen(function* () {
          const entries = yield* unconfirmed(before, limit)
          const results = yield* Effect.forEach(
            entries,
            (json) => Effect.either(publish(eventIdOf(json), json)),
            { concurrency: PUBLISH_CONCURRENCY },
          )
          const published = entries.filter((_, i) => Either.isRight(results[i]!))
          yield* remove(published)
          return { published: published.length, failed: entries.length - published.length }
        })

      return {
        confirmed: (json) => {
          pending.push(json)
        },
        unconfirmed,
        remove,
        size: call("impressionOutbox.size", () => redis.zcard(key)),
        republish,
      }
    }),
  )
}
