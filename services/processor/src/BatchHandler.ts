import { AnalyticsWriter } from "@adflow/analytics"
import { Barrier, type BusError, DeadLetter, type Delivery, NatsClient } from "@adflow/bus"
import { ClickLearning, Counters } from "@adflow/counters"
import type { Events } from "@adflow/domain"
import { Ledger, MlScoreStore } from "@adflow/store"
import { Duration, Effect, Either, Option } from "effect"
import { CampaignDirectory } from "./CampaignDirectory.js"
import { type ClickWait, impressionsAppliedBefore } from "./ClickWaits.js"
import type { Arrival } from "./DeliveryFeed.js"
import * as GroupCommit from "./GroupCommit.js"
import { ProcessorConfig } from "./ProcessorConfig.js"
import { RebuildMirror } from "./RebuildMirror.js"
import * as ProcessorMetrics from "./ProcessorMetrics.js"
import type { Routed } from "./Routed.js"

type Pending<E> = { readonly delivery: Delivery; readonly event: E; readonly arrival: Arrival }

/** One batch's rows for the ledger and ClickHouse. */
interface Rows {
  readonly impressions: ReadonlyArray<Events.Impression>
  readonly clicks: ReadonlyArray<Events.Click>
}

const FLOOR_TTL = Duration.millis(100)
/**
 * How long a group of rows may wait for batches still being handled (in the bench their Redis
 * step took 10–80 ms; with 20 ms, most groups left without them and ClickHouse paid for more
 * inserts). Only batches already in hand are waited for, never new ones.
 */
const GROUP_WAIT_LIMIT = Duration.millis(100)

/** Redelivery delay after a failed write: 250 ms doubling per attempt, at most 30 s. */
export const retryDelay = (deliveryCount: number): Duration.Duration =>
  Duration.millis(Math.min(30_000, 250 * 2 ** Math.min(7, Math.max(0, deliveryCount - 1))))

/**
 * Applies one lane's batch: validates, dead-letters what cannot be used, applies the Redis
 * counters, writes the PostgreSQL ledger and ClickHouse, and only then acknowledges. Every step
 * is idempotent by event id, so when any write fails the whole batch is nak'd and redone later.
 * Uninterruptible: a shutdown lets the batch in hand finish.
 */
export class BatchHandler extends Effect.Service<BatchHandler>()("@adflow/processor/BatchHandler", {
  scoped: Effect.gen(function* () {
    const counters = yield* Counters
    const learning = yield* ClickLearning
    const ledger = yield* Ledger
    const scoreStore = yield* MlScoreStore
    const analytics = yield* AnalyticsWriter
    const directory = yield* CampaignDirectory
    const config = yield* ProcessorConfig
    const nats = yield* NatsClient
    const mirror = yield* RebuildMirror
    // Batches in hand that have not yet handed their rows to the group writer below.
    let preparing = 0
    // The lanes' ledger and ClickHouse rows go out together: one insert per table for all the
    // batches in hand, not one per batch.
    const writeRows = yield* GroupCommit.make(
      (shares: ReadonlyArray<Rows>) => {
        const impressions = shares.flatMap((s) => s.impressions)
        const clicks = shares.flatMap((s) => s.clicks)
        return Effect.all(
          [
            ledger.insertImpressions(impressions),
            ledger.insertClicks(clicks),
            analytics.insertEvents([...impressions, ...clicks]),
          ],
          { concurrency: "unbounded", discard: true },
        )
      },
      { complete: () => preparing === 0, linger: GROUP_WAIT_LIMIT },
    )

    // The impression consumer's ack floor, asked at most once per FLOOR_TTL (one request in
    // flight at a time, shared by every lane), and only for clicks their lane cannot settle (see
    // ClickWaits). A stale value is lower than the true one, so it only ever makes a click wait a
    // little longer.
    const impressionFloor: Effect.Effect<number, BusError> = yield* Effect.cachedWithTTL(
      Barrier.ackFloor("impression").pipe(
        Effect.provideService(NatsClient, nats),
        Effect.tap(() => ProcessorMetrics.recordFloorRequest()),
      ),
      FLOOR_TTL,
    )

    const apply = (
      batch: ReadonlyArray<Routed>,
      settled: Set<Delivery>,
      wait: ClickWait | undefined,
      handOver: () => void,
      countersApplied: (() => void) | undefined,
    ) =>
      Effect.gen(function* () {
        const dead: Array<readonly [Delivery, string]> = []
        const impressions: Array<Pending<Events.Impression>> = []
        const clicks: Array<Pending<Events.Click>> = []
        const scores: Array<Pending<Events.ScoreUpdate>> = []
        for (const { delivery, event, arrival } of batch) {
          if (Either.isLeft(event)) dead.push([delivery, event.left])
          else if (event.right._tag === "impression")
            impressions.push({ delivery, event: event.right, arrival })
          else if (event.right._tag === "click") clicks.push({ delivery, event: event.right, arrival })
          else scores.push({ delivery, event: event.right, arrival })
        }

        const owners = yield* directory.ownersOf([...impressions, ...clicks].map((p) => p.event.campaign_id))
        const owned = <E extends Events.Impression | Events.Click>(pending: Array<Pending<E>>) =>
          pending.filter(({ delivery, event }) => {
            const owner = owners.get(event.campaign_id) ?? Option.none()
            if (Option.isNone(owner)) dead.push([delivery, `unknown campaign ${event.campaign_id}`])
            else if (owner.value !== event.advertiser_id)
              dead.push([
                delivery,
                `campaign ${event.campaign_id} belongs to advertiser ${owner.value}, not ${event.advertiser_id}`,
              ])
            else return true
            return false
          })
        const validImpressions = owned(impressions)
        const ownedClicks = owned(clicks)
        // While a rebuild runs, staging first (see RebuildMirror).
        const mirroring = mirror.active()
        if (mirroring)
          yield* mirror.applyCounters(
            validImpressions.map((p) => p.event),
            ownedClicks.map((p) => p.event),
            scores.map((p) => p.event),
          )

        // Impressions first: a click in the same batch may be for one of them.
        const impressionOutcomes = yield* counters.applyImpressions(validImpressions.map((p) => p.event))
        wait?.countersApplied()
        const clickOutcomes = yield* counters.applyClicks(ownedClicks.map((p) => p.event))
        // Click rates are learned from first applications only, so redeliveries and replays teach nothing twice.
        yield* learning.recordScores(
          validImpressions.filter((_, i) => impressionOutcomes[i] === "applied").map((p) => p.event.score),
          ownedClicks.filter((_, i) => clickOutcomes[i] === "applied").map((p) => p.event.score),
        )
        const validClicks: Array<Pending<Events.Click>> = []
        const early: Array<Delivery> = []
        const waiting: Array<{ readonly click: Routed; readonly forFloor: boolean }> = []
        // In a backlog the click consumer runs ahead of the impression consumer: while the
        // impressions stored before a click are not all applied, its impression may simply not be
        // applied yet, so the click waits (held by the lane, or nak'd) without using an attempt.
        // Its lane's own progress says when to try it again; only the ack floor may say that its
        // impression is not coming.
        const forLane = (click: Pending<Events.Click>) =>
          !click.delivery.replayed && (wait?.waitsForLane(click) ?? false)
        const unseen = ownedClicks.filter((_, i) => clickOutcomes[i] === "not_seen")
        const impressionsFloor = unseen.some((p) => !p.delivery.replayed && !forLane(p))
          ? yield* impressionFloor
          : Number.MAX_SAFE_INTEGER
        ownedClicks.forEach((pending, i) => {
          const { delivery, event, arrival } = pending
          const waitFor = (forFloor: boolean) =>
            waiting.push({ click: { delivery, event: Either.right(event), arrival }, forFloor })
          if (clickOutcomes[i] !== "not_seen") validClicks.push(pending)
          else if (forLane(pending)) waitFor(false)
          else if (!delivery.replayed && !impressionsAppliedBefore(impressionsFloor, delivery.streamSeq))
            waitFor(true)
          else if (delivery.deliveryCount < config.clickAttempts) early.push(delivery)
          else
            dead.push([
              delivery,
              `click by client ${event.client_id}, who was never shown campaign ${event.campaign_id}`,
            ])
        })
        yield* counters.applyScores(scores.map((p) => p.event))

        const rows: Rows = {
          impressions: validImpressions.map((p) => p.event),
          clicks: validClicks.map((p) => p.event),
        }
        const written = Effect.suspend(() => {
          handOver()
          countersApplied?.()
          return rows.impressions.length + rows.clicks.length === 0 ? Effect.void : writeRows(rows)
        })
        yield* Effect.all(
          [
            scoreStore.upsertBatch(scores.map((p) => p.event)),
            // While a rebuild runs, staging first (see RebuildMirror).
            mirroring
              ? Effect.zipRight(mirror.insertEvents([...rows.impressions, ...rows.clicks]), written)
              : written,
          ],
          { concurrency: "unbounded", discard: true },
        )

        for (const [delivery, reason] of dead) {
          // A replayed message was dead-lettered when it was first consumed; filing it again would duplicate it.
          if (!delivery.replayed)
            yield* DeadLetter.send(delivery, reason).pipe(Effect.provideService(NatsClient, nats))
          settled.add(delivery)
          yield* Effect.logWarning(delivery.replayed ? "skipped on replay" : "dead-lettered", {
            subject: delivery.subject,
            seq: delivery.streamSeq,
            reason,
          })
        }
        // Offered to the lane only now that the batch is written: a failed batch naks them with the rest.
        let held = 0
        for (const { click, forFloor } of waiting) {
          if (wait?.hold(click, forFloor)) {
            settled.add(click.delivery)
            held += 1
          } else early.push(click.delivery)
        }
        for (const delivery of early) {
          // The impression may still be on its way (an outside producer, another lane or instance).
          yield* delivery.nak(retryDelay(delivery.deliveryCount))
          settled.add(delivery)
        }
        // Both stores are written: acknowledge the whole batch in one go (the client sends the
        // acks together when the loop ends).
        yield* Effect.sync(() => {
          for (const pending of [validImpressions, validClicks, scores])
            for (const { delivery } of pending) {
              delivery.ackNow()
              settled.add(delivery)
            }
        })
        ProcessorMetrics.recordBatch({
          impressions: validImpressions.length,
          clicks: validClicks.length,
          scores: scores.length,
          deadLetters: dead.length,
          retried: early.length,
          waited: held,
        })
      })

    /**
     * True when the batch was applied; false when it failed and its deliveries were nak'd. A click
     * whose impression may not be applied yet is offered to the lane's `wait`; when it holds the
     * click, it is left unsettled for the lane to hand back in a later batch, otherwise it is nak'd.
     *
     * `countersApplied` is called once the batch's Redis counters are applied and only its writes
     * and acks remain (not when it fails before): from then on, a later batch of the same
     * campaigns may be handled beside it without changing the order of their counters.
     */
    const handle = (
      batch: ReadonlyArray<Routed>,
      wait?: ClickWait,
      countersApplied?: () => void,
    ): Effect.Effect<boolean> =>
      Effect.suspend(() => {
        const settled = new Set<Delivery>()
        // Counted among the batches a group of rows may wait for until it hands its rows over,
        // or fails before it could.
        let inHand = true
        preparing += 1
        const handOver = () => {
          if (inHand) preparing -= 1
          inHand = false
        }
        return apply(batch, settled, wait, handOver, countersApplied).pipe(
          Effect.ensuring(Effect.sync(handOver)),
          Effect.as(true),
          Effect.catchAllCause((cause) =>
            Effect.gen(function* () {
              ProcessorMetrics.recordFailedBatch()
              yield* Effect.logError("batch failed; will be redelivered", cause)
              for (const { delivery } of batch) {
                if (!settled.has(delivery)) yield* delivery.nak(retryDelay(delivery.deliveryCount))
              }
              return false
            }),
          ),
          Effect.uninterruptible,
        )
      })

    return { handle, impressionFloor }
  }),
}) {}
