import { EventPublisher } from "@adflow/bus"
import { ImpressionOutbox } from "@adflow/counters"
import { Duration, Effect, Layer, Schedule } from "effect"
import { outboxCounts } from "./ServingMetrics.js"

/** Longer than a publish may take (its acknowledgement times out after 5 s). */
export const REPUBLISH_AFTER = Duration.seconds(10)
const SWEEP_EVERY = Duration.seconds(1)
const SWEEP_LIMIT = 500

/**
 * Publishes again every admitted impression whose publish was not confirmed within
 * `REPUBLISH_AFTER` (`ImpressionOutbox`): its publish failed (the request answered 503), or the
 * API stopped between admission and publish. Every instance sweeps; two publishing the same entry
 * is harmless, since JetStream and the processor deduplicate by event id. The entry is published
 * as it was written, not decoded: the processor checks it like any event. Answers how many it
 * published.
 */
export const sweep = Effect.gen(function* () {
  const outbox = yield* ImpressionOutbox
  const publisher = yield* EventPublisher
  outboxCounts.unconfirmed = yield* outbox.size
  const { published, failed } = yield* outbox.republish(
    Date.now() - Duration.toMillis(REPUBLISH_AFTER),
    SWEEP_LIMIT,
    (eventId, json) => publisher.publishText("impression", eventId, json),
  )
  if (published + failed === 0) return 0
  outboxCounts.republished += published
  yield* Effect.logWarning(
    `impression outbox: published ${published} of ${published + failed} unconfirmed impressions again`,
  )
  return published
})

/** `sweep` every second for as long as the layer lives; a failed sweep is logged and tried again. */
export const layer = Layer.scopedDiscard(
  sweep.pipe(
    Effect.catchAllCause((cause) => Effect.logWarning("impression outbox: sweep failed", cause)),
    Effect.repeat(Schedule.spaced(SWEEP_EVERY)),
    Effect.forkScoped,
  ),
)
