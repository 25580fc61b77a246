import { Engine } from "@adflow/domain"
import { Cause, Context, Effect, Layer } from "effect"
import { CountersError } from "./CountersError.js"
import { RedisClient } from "./RedisClient.js"

const { ClickRate } = Engine

/**
 * The click-rate learning state shared by every API instance: impressions and clicks counted per
 * ML-score bucket (`Engine.ClickRate.bucketOf`) in one Redis hash, fields `i:<bucket>` and
 * `c:<bucket>`. The ad request's admission script counts the impression it admits; the processor
 * records the impressions and clicks it APPLIED (not duplicates), so a redelivered event, or the
 * API's own impression, is not learned twice; the API reads the counts now and then and turns them
 * into a table with `Engine.ClickRate.estimate`.
 *
 * Not covered by `Counters.wipe` (its keys are per campaign and client). `adflow rebuild` leaves
 * it alone and replays through `ClickLearning.readOnly`: the counts are a statistical estimate the
 * API is ranking with, so resetting them would make the engine forget while serving, and a replay
 * that recorded would learn every event twice.
 */
const KEY = "{l:click_rates}"

const impressionsField = (bucket: number) => `i:${bucket}`
const clicksField = (bucket: number) => `c:${bucket}`

export interface ClickObservations {
  readonly impressionsByBucket: ReadonlyMap<number, number>
  readonly clicksByBucket: ReadonlyMap<number, number>
}

export interface ClickLearningApi {
  /** Adds the counts, atomically (a reader never sees a batch's impressions without its clicks). */
  readonly record: (observed: ClickObservations) => Effect.Effect<void, CountersError>
  /** Records the ML scores of applied impressions and clicks (each event carries `score`). */
  readonly recordScores: (
    impressionScores: Iterable<number>,
    clickScores: Iterable<number>,
  ) => Effect.Effect<void, CountersError>
  /** Counts per bucket, `BUCKET_COUNT` long; fields it does not know are ignored. */
  readonly read: Effect.Effect<Engine.ClickRate.BucketCounts, CountersError>
  /** Forgets everything learned. */
  readonly reset: Effect.Effect<void, CountersError>
}

const isBucket = (bucket: number) =>
  Number.isInteger(bucket) && bucket >= 0 && bucket < ClickRate.BUCKET_COUNT
const isCount = (count: number) => Number.isSafeInteger(count) && count >= 0

const invalid = (observed: ClickObservations): string | undefined => {
  for (const [name, byBucket] of [
    ["impressions", observed.impressionsByBucket],
    ["clicks", observed.clicksByBucket],
  ] as const)
    for (const [bucket, count] of byBucket)
      if (!isBucket(bucket) || !isCount(count)) return `${name} bucket ${bucket} count ${count}`
  return undefined
}

const FIELD = /^([ic]):(\d+)$/

export class ClickLearning extends Context.Tag("@adflow/counters/ClickLearning")<
  ClickLearning,
  ClickLearningApi
>() {
  /** The hash's key, before the connection's keyPrefix. */
  static readonly KEY = KEY

  /** The hash field counting impressions at this ML score (admission increments it itself). */
  static readonly impressionFieldOf = (score: number): string => impressionsField(ClickRate.bucketOf(score))

  static readonly make: Effect.Effect<ClickLearningApi, never, RedisClient> = Effect.gen(function* () {
    const { redis } = yield* RedisClient

    const record = (observed: ClickObservations): Effect.Effect<void, CountersError> => {
      const problem = invalid(observed)
      if (problem !== undefined)
        return Effect.die(
          new Cause.IllegalArgumentException(
            `ClickLearning.record needs non-negative integer counts per bucket, got ${problem}`,
          ),
        )
      const increments: Array<[string, number]> = []
      for (const [bucket, count] of observed.impressionsByBucket)
        if (count > 0) increments.push([impressionsField(bucket), count])
      for (const [bucket, count] of observed.clicksByBucket)
        if (count > 0) increments.push([clicksField(bucket), count])
      if (increments.length === 0) return Effect.void
      // One increment (an ad request's impression) is atomic on its own: one command, not three.
      if (increments.length === 1) {
        const [[field, count]] = increments as [[string, number]]
        return Effect.tryPromise({
          try: () => redis.hincrby(KEY, field, count),
          catch: CountersError.from("ClickLearning.record"),
        }).pipe(Effect.asVoid)
      }
      return Effect.tryPromise({
        try: () => {
          const transaction = redis.multi()
          for (const [field, count] of increments) transaction.hincrby(KEY, field, count)
          return transaction.exec()
        },
        catch: CountersError.from("ClickLearning.record"),
      }).pipe(
        Effect.flatMap((results) => {
          const failed = results?.find(([error]) => error !== null)
          return results === null || failed !== undefined
            ? Effect.fail(CountersError.from("ClickLearning.record")(failed?.[0] ?? "transaction aborted"))
            : Effect.void
        }),
      )
    }

    const read = Effect.tryPromise({
      try: () => redis.hgetall(KEY),
      catch: CountersError.from("ClickLearning.read"),
    }).pipe(
      Effect.map((hash): Engine.ClickRate.BucketCounts => {
        const impressions = new Array<number>(ClickRate.BUCKET_COUNT).fill(0)
        const clicks = new Array<number>(ClickRate.BUCKET_COUNT).fill(0)
        for (const [field, value] of Object.entries(hash)) {
          const match = FIELD.exec(field)
          const count = Number(value)
          if (match === null || !isCount(count)) continue
          const bucket = Number(match[2])
          if (!isBucket(bucket)) continue
          if (match[1] === "i") impressions[bucket] = count
          else clicks[bucket] = count
        }
        return impressions.map((n, bucket) => ({ impressions: n, clicks: clicks[bucket]! }))
      }),
    )

    const reset = Effect.tryPromise({
      try: () => redis.unlink(KEY),
      catch: CountersError.from("ClickLearning.reset"),
    }).pipe(Effect.asVoid)

    return {
      record,
      recordScores: (impressionScores, clickScores) => record(ClickRate.tally(impressionScores, clickScores)),
      read,
      reset,
    }
  })

  /** ClickLearning on the RedisClient in context. */
  static readonly layer: Layer.Layer<ClickLearning, never, RedisClient> = Layer.effect(
    ClickLearning,
    ClickLearning.make,
  )

  /** Reads what was learned and records nothing: for a replay of events that were learned when first applied. */
  static readonly readOnly: Layer.Layer<ClickLearning, never, RedisClient> = Layer.effect(
    ClickLearning,
    Effect.map(ClickLearning.make, (learning) => ({
      ...learning,
      record: () => Effect.void,
      recordScores: () => Effect.void,
      reset: Effect.void,
    })),
  )

  /** ClickLearning on a RedisClient configured from the environment (ADFLOW_REDIS_URL, ADFLOW_REDIS_PREFIX). */
  static readonly layerConfig = ClickLearning.layer.pipe(Layer.provide(RedisClient.layerConfig))
}
