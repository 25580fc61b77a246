import type { AdvertiserId, CampaignId, ClientId, Events } from "@adflow/domain"
import { Money } from "@adflow/domain"
import { Cause, Context, Effect, Layer } from "effect"
import { ClickLearning } from "./ClickLearning.js"
import { CountersError } from "./CountersError.js"
import * as Keys from "./Keys.js"
import { campaignViewAt } from "./Outcomes.js"
import type {
  Admission,
  CampaignCounters,
  CampaignView,
  ClickOutcome,
  ImpressionOutcome,
  RequestView,
  ScoreOutcome,
  ServingView,
} from "./Outcomes.js"
import { RedisClient } from "./RedisClient.js"
import { bulk, bulks, ScriptCalls } from "./ScriptCalls.js"
import * as Scripts from "./Scripts.js"

export interface AdmitImpression {
  readonly campaignId: CampaignId
  readonly clientId: ClientId
  /** The campaign's impressions limit: a non-negative integer. */
  readonly impressionsLimit: number
  /** The impression price in force, in micro-units (`Money.fromPrice`). */
  readonly costMicros: Money.Micros
  /**
   * The impression event the request will publish, as JSON text, its time in ms and its ML
   * score: a new admission keeps it in the outbox (`ImpressionOutbox`) until its publish is
   * confirmed, and counts it in the click-rate learning (`ClickLearning`) at that score.
   */
  readonly event: { readonly json: string; readonly at: number; readonly score: number }
}

/** ARGV of the admission scripts (`Scripts.admitImpression`, `MirroredAdmission`). */
export const admissionArgs = (input: AdmitImpression): ReadonlyArray<string | number> => [
  input.clientId,
  input.impressionsLimit,
  input.costMicros,
  input.event.at,
  input.event.json,
  ClickLearning.impressionFieldOf(input.event.score),
]

export interface ReadForRequest {
  readonly clientId: ClientId
  readonly advertiserIds: ReadonlyArray<AdvertiserId>
  readonly campaignIds: ReadonlyArray<CampaignId>
}

export interface ReadForServing {
  readonly clientId: ClientId
  /** Whether to read the client's whole score hash too. */
  readonly scores: boolean
  readonly campaignIds: ReadonlyArray<CampaignId>
}

/**
 * The Redis counters behind admission, limits and the score cache (ADR 0001): idempotent by
 * construction, so replaying or redelivering any event changes nothing the second time.
 */
export interface CountersApi {
  /** Admits one impression for the ad request, atomically: never more "new" than the limit allows. */
  readonly admitImpression: (input: AdmitImpression) => Effect.Effect<Admission, CountersError>
  /**
   * `admitImpression` for plain code: exactly one of `onAdmission` and `onError` is called, once,
   * later or at once; throws (a defect) on a limit or cost that is not a non-negative integer.
   */
  readonly admitImpressionWith: (
    input: AdmitImpression,
    onAdmission: (admission: Admission) => void,
    onError: (error: CountersError) => void,
  ) => void
  /** Applies impressions (no limit check) in one round trip; one outcome per event, in order. */
  readonly applyImpressions: (
    events: ReadonlyArray<Events.Impression>,
  ) => Effect.Effect<ReadonlyArray<ImpressionOutcome>, CountersError>
  /** Applies clicks in one round trip; one outcome per event, in order. */
  readonly applyClicks: (
    events: ReadonlyArray<Events.Click>,
  ) => Effect.Effect<ReadonlyArray<ClickOutcome>, CountersError>
  /** Applies score updates, last writer wins by `at`, in one round trip; one outcome per update, in order. */
  readonly applyScores: (
    updates: ReadonlyArray<Events.ScoreUpdate>,
  ) => Effect.Effect<ReadonlyArray<ScoreOutcome>, CountersError>
  /** Everything the ad request needs from Redis, in one round trip. */
  readonly readForRequest: (input: ReadForRequest) => Effect.Effect<RequestView, CountersError>
  /**
   * The ad request's read, in one round trip and flat: the client's whole score hash (or none)
   * and the campaigns' counters, without maps or an object per campaign.
   */
  readonly readForServing: (input: ReadForServing) => Effect.Effect<ServingView, CountersError>
  /**
   * `readForServing` for plain code: exactly one of `onView` and `onError` is called, once, at
   * once or later (the ad request's hot path, without an Effect per call).
   */
  readonly readForServingWith: (
    input: ReadForServing,
    onView: (view: ServingView) => void,
    onError: (error: CountersError) => void,
  ) => void
  /** Whether the client was shown the campaign (a click is accepted only then). */
  readonly hasSeen: (campaignId: CampaignId, clientId: ClientId) => Effect.Effect<boolean, CountersError>
  readonly campaignCounters: (campaignId: CampaignId) => Effect.Effect<CampaignCounters, CountersError>
  /**
   * Deletes every counter and score key under this connection's prefix (other keys there stay),
   * answering how many were deleted; for rebuilding from a replay while nothing else writes.
   */
  readonly wipe: Effect.Effect<number, CountersError>
}

const isOneOf =
  <A extends string>(...values: ReadonlyArray<A>) =>
  (reply: unknown): reply is A =>
    typeof reply === "string" && (values as ReadonlyArray<string>).includes(reply)

export const isAdmission = isOneOf<Admission>("new", "repeat", "limit")
const isImpressionOutcome = isOneOf<ImpressionOutcome>("applied", "duplicate")
const isClickOutcome = isOneOf<ClickOutcome>("applied", "duplicate", "not_seen")
const isScoreOutcome = isOneOf<ScoreOutcome>("applied", "duplicate", "stale")

const unexpected = (operation: string, reply: unknown) =>
  new CountersError({ operation, message: `unexpected reply ${JSON.stringify(reply)}` })

/** An integer reply field; a missing field is 0. */
const count = (value: unknown): number => (typeof value === "string" ? Number(value) : 0)

/**
 * How one item of a batch goes into its script call: one key and its arguments. The
 * protocol text (`ScriptCalls`) is written from these; `keyText` is the key's text as
 * `ScriptCalls` remembers it, and the values serve the call through ioredis (`Scripts.run`) when
 * Redis does not hold the script.
 */
interface BatchItem<E> {
  readonly key: (item: E) => string
  readonly keyText: (item: E) => string
  readonly args: (item: E) => ReadonlyArray<string | number>
}

/** Events per script call in a batch: about a millisecond of Redis time each. */
const BATCH_CHUNK = 500

const isSafeCount = (n: number) => Number.isSafeInteger(n) && n >= 0

/** Whether the admission scripts can take this limit and cost (non-negative integers). */
export const isAdmissible = (input: AdmitImpression): boolean =>
  isSafeCount(input.impressionsLimit) && isSafeCount(input.costMicros)

/**
 * The Effect of a callback operation (`readForServingWith`, `admitImpressionWith`): one
 * asynchronous step; what the start throws is a defect.
 */
export const fromCallback = <A, E>(
  start: (onValue: (value: A) => void, onError: (error: E) => void) => void,
): Effect.Effect<A, E> =>
  Effect.async<A, E>((resume) => {
    try {
      start(
        (value) => resume(Effect.succeed(value)),
        (error) => resume(Effect.fail(error)),
      )
    } catch (defect) {
      resume(Effect.die(defect))
    }
  })

/** Calls `onValue` with a reply `guard` accepts, `onError` otherwise: one of them, once. */
export const settleReply = <A>(
  sent: () => Promise<unknown>,
  operation: string,
  guard: (reply: unknown) => reply is A,
  onValue: (value: A) => void,
  onError: (error: CountersError) => void,
): void => {
  let reply: Promise<unknown>
  try {
    reply = sent()
  } catch (error) {
    return onError(CountersError.from(operation)(error))
  }
  reply.then(
    (value) => (guard(value) ? onValue(value) : onError(unexpected(operation, value))),
    (error) => onError(CountersError.from(operation)(error)),
  )
}

const totalsFields = [
  Keys.CounterField.impressions,
  Keys.CounterField.clicks,
  Keys.CounterField.spentImpressionsMicros,
  Keys.CounterField.spentClicksMicros,
] as const

/**
 * The two arrays of `Scripts.readForRequest`'s reply, or undefined if they are not what was
 * asked for: `scoreCount` scores (strings or nil; -1: any number of advertiser id and score
 * pairs), and four integers per campaign.
 */
const readReply = (reply: unknown, scoreCount: number, campaignCount: number): ServingView | undefined => {
  if (!Array.isArray(reply) || reply.length !== 2) return undefined
  const [scores, counters] = reply as [unknown, unknown]
  if (!Array.isArray(scores) || !Array.isArray(counters) || counters.length !== 4 * campaignCount)
    return undefined
  // Read without a reply encoding (see `read`): the scores' strings come as Buffers.
  for (let k = 0; k < scores.length; k++) if (Buffer.isBuffer(scores[k])) scores[k] = scores[k].toString()
  if (scoreCount === -1) {
    if (scores.length % 2 !== 0) return undefined
    for (const value of scores) if (typeof value !== "string") return undefined
  } else if (scores.length !== scoreCount) return undefined
  for (let k = 0; k < counters.length; k += 4)
    if (typeof counters[k] !== "number" || typeof counters[k + 1] !== "number") return undefined
  return { scores: scores as ReadonlyArray<string>, counters: counters as ReadonlyArray<number> }
}

const toRequestView = (
  { scores: scoreReplies, counters }: ServingView,
  advertiserIds: ReadonlyArray<AdvertiserId>,
  campaignIds: ReadonlyArray<CampaignId>,
): RequestView => {
  const scores = new Map<AdvertiserId, number>()
  for (let a = 0; a < advertiserIds.length; a++) scores.set(advertiserIds[a]!, count(scoreReplies[a]))
  const campaigns = new Map<CampaignId, CampaignView>()
  for (let k = 0; k < campaignIds.length; k++) campaigns.set(campaignIds[k]!, campaignViewAt(counters, k))
  return { scores, campaigns }
}

export class Counters extends Context.Tag("@adflow/counters/Counters")<Counters, CountersApi>() {
  static readonly make: Effect.Effect<CountersApi, never, RedisClient> = Effect.gen(function* () {
    const { redis, keyPrefix } = yield* RedisClient
    Scripts.defineAll(redis)
    // The ad request's read and admission and the processor's batches, written as protocol text
    // here (see ScriptCalls).
    const calls = new ScriptCalls(redis, keyPrefix)
    const outboxKey = calls.key(Keys.unpublishedImpressions)
    const learningKey = calls.key(ClickLearning.KEY)
    const allScores = bulk(Scripts.ScoresRead.all)
    const listedScores = bulk(Scripts.ScoresRead.listed)

    // One script call per chunk of events (see Scripts.applyImpressions), written as protocol
    // text (`ScriptCalls`: through `defineCommand`, ioredis converted each of a batch's ~2,000
    // arguments into several strings), the chunks of one batch in one socket write: one round
    // trip per batch. Chunks bound how long one call holds Redis. Any failed chunk fails the
    // whole batch (the others may have applied: callers retry, and applying twice is a no-op).
    const batch = <E, A>(
      operation: string,
      script: Scripts.Script,
      items: ReadonlyArray<E>,
      item: BatchItem<E>,
      guard: (reply: unknown) => reply is A,
    ): Effect.Effect<ReadonlyArray<A>, CountersError> =>
      items.length === 0
        ? Effect.succeed([])
        : Effect.tryPromise({
            try: () => {
              const sent: Array<Promise<unknown>> = []
              for (let start = 0; start < items.length; start += BATCH_CHUNK)
                sent.push(sendChunk(script, items, start, Math.min(start + BATCH_CHUNK, items.length), item))
              return Promise.all(sent)
            },
            catch: CountersError.from(operation),
          }).pipe(
            Effect.flatMap((replies) => {
              const outcomes: Array<A> = []
              for (const reply of replies) {
                if (!Array.isArray(reply)) return Effect.fail(unexpected(operation, reply))
                for (const outcome of reply) {
                  if (!guard(outcome)) return Effect.fail(unexpected(operation, outcome))
                  outcomes.push(outcome)
                }
              }
              return outcomes.length === items.length
                ? Effect.succeed(outcomes)
                : Effect.fail(unexpected(operation, `${outcomes.length} outcomes for ${items.length} events`))
            }),
          )

    // The script call of `items[start..end)`: their keys, then their arguments.
    const sendChunk = <E>(
      script: Scripts.Script,
      items: ReadonlyArray<E>,
      start: number,
      end: number,
      item: BatchItem<E>,
    ): Promise<unknown> => {
      let keys = ""
      let args = ""
      let argCount = 0
      for (let k = start; k < end; k++) {
        keys += item.keyText(items[k]!)
        const values = item.args(items[k]!)
        args += bulks(values)
        argCount += values.length
      }
      const size = end - start
      return calls.call(script, size, size + argCount, keys + args, () => {
        const keyNames: Array<string> = []
        const argValues: Array<string | number> = []
        for (let k = start; k < end; k++) {
          keyNames.push(item.key(items[k]!))
          argValues.push(...item.args(items[k]!))
        }
        return Scripts.run(redis, script, keyNames, argValues)
      })
    }

    const admitImpressionWith = (
      input: AdmitImpression,
      onAdmission: (admission: Admission) => void,
      onError: (error: CountersError) => void,
    ): void => {
      if (!isAdmissible(input))
        throw new Cause.IllegalArgumentException(
          `admitImpression needs a non-negative integer limit and cost, got ${input.impressionsLimit} and ${input.costMicros}`,
        )
      settleReply(
        () => {
          const campaign = calls.campaignKeys(input.campaignId)
          const args = admissionArgs(input)
          return calls.call(
            Scripts.admitImpression,
            4,
            4 + args.length,
            campaign.seen + campaign.totals + outboxKey + learningKey + bulks(args),
            () =>
              Scripts.run(
                redis,
                Scripts.admitImpression,
                [
                  Keys.seen(input.campaignId),
                  Keys.totals(input.campaignId),
                  Keys.unpublishedImpressions,
                  ClickLearning.KEY,
                ],
                args,
              ),
          )
        },
        "admitImpression",
        isAdmission,
        onAdmission,
        onError,
      )
    }

    const admitImpression = (input: AdmitImpression) =>
      fromCallback<Admission, CountersError>((onAdmission, onError) =>
        admitImpressionWith(input, onAdmission, onError),
      )

    // An impression or a click: its campaign's tag (remembered), its client and cost.
    const campaignEvent: BatchItem<Events.Impression | Events.Click> = {
      key: (event) => Keys.campaignTag(event.campaign_id),
      keyText: (event) => calls.campaignKeys(event.campaign_id).tag,
      args: (event) => [event.client_id, Money.fromPrice(event.cost)],
    }

    const scoreUpdate: BatchItem<Events.ScoreUpdate> = {
      key: (update) => Keys.clientTag(update.client_id),
      keyText: (update) => calls.key(Keys.clientTag(update.client_id)),
      args: (update) => [update.advertiser_id, update.score, update.at],
    }

    const applyImpressions = (events: ReadonlyArray<Events.Impression>) =>
      batch("applyImpressions", Scripts.applyImpressions, events, campaignEvent, isImpressionOutcome)

    const applyClicks = (events: ReadonlyArray<Events.Click>) =>
      batch("applyClicks", Scripts.applyClicks, events, campaignEvent, isClickOutcome)

    const applyScores = (updates: ReadonlyArray<Events.ScoreUpdate>) =>
      batch("applyScores", Scripts.applyScores, updates, scoreUpdate, isScoreOutcome)

    // One script call: the client's scores, then impressions, clicks, seen, clicked per campaign
    // (see Scripts.readForRequest). Each ioredis command costs the API ~10 µs of CPU, so this
    // is one command whatever the number of campaigns.
    const read = (
      clientId: ClientId,
      scores: ReadonlyArray<AdvertiserId> | "all",
      campaignIds: ReadonlyArray<CampaignId>,
      onView: (view: ServingView) => void,
      onError: (error: CountersError) => void,
    ): void => {
      let text = calls.key(Keys.scores(clientId))
      for (let k = 0; k < campaignIds.length; k++) text += calls.campaignKeys(campaignIds[k]!).tag
      text += bulk(clientId)
      if (scores === "all") text += allScores
      else {
        text += listedScores
        for (let a = 0; a < scores.length; a++) text += bulk(scores[a]!)
      }
      const keyCount = 1 + campaignIds.length
      let sent: Promise<unknown>
      try {
        sent = calls.call(
          Scripts.readForRequest,
          keyCount,
          keyCount + 2 + (scores === "all" ? 0 : scores.length),
          text,
          () => {
            const keys: Array<string> = [Keys.scores(clientId)]
            for (const campaignId of campaignIds) keys.push(Keys.campaignTag(campaignId))
            const args =
              scores === "all"
                ? [clientId, Scripts.ScoresRead.all]
                : [clientId, Scripts.ScoresRead.listed, ...scores]
            return Scripts.run(redis, Scripts.readForRequest, keys, args)
          },
          // The reply's arrays are taken as the parser builds them (`readReply` converts the
          // scores in place), not copied into new ones.
          null,
        )
      } catch (error) {
        return onError(CountersError.from("readForRequest")(error))
      }
      sent.then(
        (reply) => {
          const view = readReply(reply, scores === "all" ? -1 : scores.length, campaignIds.length)
          if (view === undefined) onError(unexpected("readForRequest", reply))
          else onView(view)
        },
        (error) => onError(CountersError.from("readForRequest")(error)),
      )
    }

    const readForRequest = ({ advertiserIds, campaignIds, clientId }: ReadForRequest) =>
      advertiserIds.length === 0 && campaignIds.length === 0
        ? Effect.succeed<RequestView>({ scores: new Map(), campaigns: new Map() })
        : fromCallback<ServingView, CountersError>((onView, onError) =>
            read(clientId, advertiserIds, campaignIds, onView, onError),
          ).pipe(Effect.map((view) => toRequestView(view, advertiserIds, campaignIds)))

    const noScores: ReadonlyArray<AdvertiserId> = []
    const noView: ServingView = { scores: [], counters: [] }
    const readForServingWith = (
      { campaignIds, clientId, scores }: ReadForServing,
      onView: (view: ServingView) => void,
      onError: (error: CountersError) => void,
    ): void =>
      !scores && campaignIds.length === 0
        ? onView(noView)
        : read(clientId, scores ? "all" : noScores, campaignIds, onView, onError)

    const readForServing = (input: ReadForServing) =>
      fromCallback<ServingView, CountersError>((onView, onError) =>
        readForServingWith(input, onView, onError),
      )

    const hasSeen = (campaignId: CampaignId, clientId: ClientId) =>
      Effect.tryPromise({
        try: () => redis.sismember(Keys.seen(campaignId), clientId),
        catch: CountersError.from("hasSeen"),
      }).pipe(Effect.map((member) => member === 1))

    const campaignCounters = (campaignId: CampaignId) =>
      Effect.tryPromise({
        try: () => redis.hmget(Keys.totals(campaignId), ...totalsFields),
        catch: CountersError.from("campaignCounters"),
      }).pipe(
        Effect.map(([impressions, clicks, spentImpressionsMicros, spentClicksMicros]): CampaignCounters => ({
          impressions: count(impressions),
          clicks: count(clicks),
          spentImpressionsMicros: count(spentImpressionsMicros),
          spentClicksMicros: count(spentClicksMicros),
        })),
      )

    // SCAN patterns are not prefixed by ioredis and its replies are full key names, while UNLINK
    // arguments are prefixed again: so match with the prefix and strip it before deleting.
    const wipe = Effect.tryPromise({
      try: async () => {
        const pattern = Keys.ownedPattern(keyPrefix)
        let deleted = 0
        let cursor = "0"
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000)
          if (keys.length > 0)
            deleted += await redis.unlink(...keys.map((key) => key.slice(keyPrefix.length)))
          cursor = next
        } while (cursor !== "0")
        return deleted
      },
      catch: CountersError.from("wipe"),
    })

    return {
      admitImpression,
      admitImpressionWith,
      applyImpressions,
      applyClicks,
      applyScores,
      readForRequest,
      readForServing,
      readForServingWith,
      hasSeen,
      campaignCounters,
      wipe,
    }
  })

  /** Counters on the RedisClient in context. */
  static readonly layer: Layer.Layer<Counters, never, RedisClient> = Layer.effect(Counters, Counters.make)

  /** Counters on a RedisClient configured from the environment (ADFLOW_REDIS_URL, ADFLOW_REDIS_PREFIX). */
  static readonly layerConfig = Counters.layer.pipe(Layer.provide(RedisClient.layerConfig))
}
