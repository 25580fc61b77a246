import { type Duration, Effect, type Scope, Stream } from "effect"
import type { Change } from "@adflow/bus"

/**
 * How every cache stays fresh: apply each change notice as it arrives, and re-read everything
 * now and then in case a notice was lost. Failures are logged; the cache keeps serving what it
 * has and tries again on the next notice or tick.
 */
export const onChanges = <E, R>(
  changes: Stream.Stream<Change>,
  apply: (change: Change) => Effect.Effect<void, E, R>,
): Effect.Effect<void, never, R | Scope.Scope> =>
  changes.pipe(
    Stream.runForEach((change) =>
      apply(change).pipe(Effect.catchAllCause((cause) => Effect.logWarning("cache refresh failed", cause))),
    ),
    Effect.forkScoped,
    Effect.asVoid,
  )

export const every = <E, R>(
  interval: Duration.DurationInput,
  reload: Effect.Effect<void, E, R>,
): Effect.Effect<void, never, R | Scope.Scope> =>
  reload.pipe(
    Effect.catchAllCause((cause) => Effect.logWarning("periodic cache reload failed", cause)),
    Effect.delay(interval),
    Effect.forever,
    Effect.forkScoped,
    Effect.asVoid,
  )
