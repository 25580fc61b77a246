import { type AnalyticsError, StagingEvents } from "@adflow/analytics"
import { type CountersError, RebuildFlag, StagingCounters } from "@adflow/counters"
import type { Events } from "@adflow/domain"
import { Context, Effect, Layer } from "effect"

export interface RebuildMirrorApi {
  /** Whether a rebuild is building staging projections (cached; read once per batch). */
  readonly active: () => boolean
  /** The batch's counter writes applied to the staging counters too; outcomes are the live side's business. */
  readonly applyCounters: (
    impressions: ReadonlyArray<Events.Impression>,
    clicks: ReadonlyArray<Events.Click>,
    scores: ReadonlyArray<Events.ScoreUpdate>,
  ) => Effect.Effect<void, CountersError>
  /** The batch's rows inserted into the staging events table, if there is one. */
  readonly insertEvents: (
    events: ReadonlyArray<Events.Impression | Events.Click>,
  ) => Effect.Effect<void, AnalyticsError>
}

/**
 * While `adflow rebuild` builds staging projections, live batches write them too, always staging
 * FIRST and live second: the rebuild swaps staging in per entity (Redis) and per table
 * (ClickHouse), and a write that lands in staging before the swap is then in the swapped-in
 * projection, while one that misses it lands in the live projection after the swap.
 * A click staging refuses (its impression not replayed there yet) is re-applied by the rebuild's
 * catch-up replay.
 */
export class RebuildMirror extends Context.Tag("@adflow/processor/RebuildMirror")<
  RebuildMirror,
  RebuildMirrorApi
>() {
  static readonly layer = Layer.effect(
    RebuildMirror,
    Effect.gen(function* () {
      const flag = yield* RebuildFlag
      const staging = yield* StagingCounters
      const table = yield* StagingEvents
      return {
        active: flag.active,
        applyCounters: (impressions, clicks, scores) =>
          Effect.all(
            [
              // Impressions before clicks: a click in the same batch may be for one of them.
              Effect.zipRight(staging.applyImpressions(impressions), staging.applyClicks(clicks)),
              staging.applyScores(scores),
            ],
            { concurrency: "unbounded", discard: true },
          ),
        insertEvents: table.insertEvents,
      } satisfies RebuildMirrorApi
    }),
  ).pipe(Layer.provide(Layer.mergeAll(RebuildFlag.layer, StagingCounters.layer, StagingEvents.Default)))

  /** No mirroring: the rebuild's own replay writes staging only. */
  static readonly disabled = Layer.succeed(RebuildMirror, {
    active: () => false,
    applyCounters: () => Effect.void,
    insertEvents: () => Effect.void,
  })
}
