import { ClickLearning } from "@adflow/counters"
import { Engine } from "@adflow/domain"
import { Config, Effect } from "effect"
import { LocalClickObservations } from "./LocalClickObservations.js"
import * as Refresh from "./Refresh.js"

/**
 * The learned p(click | ML score) table the ranking reads. It is estimated from the click counts
 * every API instance and processor records in Redis (`ClickLearning`), re-read in the background
 * every half second and never on the request path, plus what this instance observed itself since
 * (`LocalClickObservations`): the impressions it served and the clicks it took, learned at once.
 * The simulator showed why that matters: a market is won or lost in its first few hundred
 * requests, and with the table refreshed every 2 s from Redis alone the engine ranked them on the
 * prior (revenue ratio to the oracle 0.95 against 0.99 when learning at once; docs/engine.md).
 * Until the first read answers, the prior and the local observations.
 */

/** How often the shared counts are re-read. */
const SHARED_REFRESH = "500 millis"
/** The table is re-estimated from new local observations at most this often (ms). */
const LOCAL_REESTIMATE_MS = 20

export class ClickRates extends Effect.Service<ClickRates>()("@adflow/api/ClickRates", {
  scoped: Effect.gen(function* () {
    const learning = yield* ClickLearning
    // The pooled rate's weight inside a pooled block of buckets, in impressions (the engine's default).
    const bucketStrength = yield* Config.number("ADFLOW_ENGINE_BUCKET_STRENGTH").pipe(Config.withDefault(3))
    const prior = { ...Engine.ClickRate.defaultPrior, bucketStrength }
    const local = new LocalClickObservations()
    let shared: Engine.ClickRate.BucketCounts = []
    let table: Engine.ClickRate.Table = Engine.ClickRate.estimate([], prior)
    let stale = false
    let estimatedAt = 0

    const reestimate = () => {
      table = Engine.ClickRate.estimate(local.addTo(shared), prior)
      stale = false
      estimatedAt = Date.now()
    }

    const reload = Effect.suspend(() => {
      const mark = local.readBegins()
      return learning.read.pipe(
        Effect.map((counts) => {
          shared = counts
          local.readAnswered(mark)
          reestimate()
        }),
      )
    })

    // The first read in the background too: a Redis hiccup at start must not stop the API.
    yield* reload.pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("click rates: first read failed", cause)),
      Effect.forkScoped,
    )
    yield* Refresh.every(SHARED_REFRESH, reload)

    return {
      get: (): Engine.ClickRate.Table => {
        if (stale && Date.now() - estimatedAt >= LOCAL_REESTIMATE_MS) reestimate()
        return table
      },
      /** A new impression this instance served (already recorded in `ClickLearning`), by its ML score. */
      observeImpression: (score: number): void => {
        local.impression(score)
        stale = true
      },
      /** A client's first click this instance took (the processor records it in `ClickLearning`). */
      observeClick: (score: number): void => {
        local.click(score)
        stale = true
      },
      /** Re-reads the shared counts now (tests; the background refresh does it every half second). */
      reload,
    } as const
  }),
  dependencies: [ClickLearning.layer],
}) {}
