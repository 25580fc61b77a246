import { Effect, Option, Stream } from "effect"
import type { ConsumerMessages, JsMsg } from "nats"
import { BusError } from "./BusError.js"

/**
 * The messages of a started `consume()` as a Stream that stops them when it ends.
 *
 * Not `Stream.fromAsyncIterable`: on release it calls the iterator's `return()`, which an async
 * generator queues behind the pending `next()`, so a finished stream would wait until one more
 * message arrives. Here release stops the subscription, which also settles a pending `next()`.
 */
export const fromConsumer = (
  start: () => Promise<ConsumerMessages>,
  operation: string,
): Stream.Stream<JsMsg, BusError> =>
  Stream.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(Effect.tryPromise({ try: start, catch: BusError.from(operation) }), (messages) =>
        Effect.sync(() => messages.stop()),
      ),
      (messages) => {
        const iterator = messages[Symbol.asyncIterator]()
        return Stream.repeatEffectOption(
          Effect.tryPromise({ try: () => iterator.next(), catch: BusError.from(operation) }).pipe(
            Effect.mapError(Option.some),
            Effect.flatMap((result) =>
              result.done ? Effect.fail(Option.none()) : Effect.succeed(result.value),
            ),
          ),
        )
      },
    ),
  )
