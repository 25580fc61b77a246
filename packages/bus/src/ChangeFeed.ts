import { Effect, identity, Option, Queue, Schema, type Scope, Stream } from "effect"
import type { Msg } from "nats"
import { BusError } from "./BusError.js"
import { NatsClient } from "./NatsClient.js"
import * as Topology from "./Topology.js"

/**
 * Master-data change notices on core NATS (`<prefix>.changes.<entity>`, not persisted): after a
 * write commits, the writer publishes which ids of an entity changed, and every API instance
 * refreshes those ids in its caches. A notice names ids only; readers re-read the store, so a
 * late or repeated notice is harmless. Notices can be lost (core NATS, reconnects), so caches
 * also re-read periodically.
 */
export const Change = Schema.Struct({
  entity: Schema.String,
  /** The changed ids; empty means "anything of this entity may have changed". */
  ids: Schema.Array(Schema.String),
})
export type Change = typeof Change.Type

const encodeChange = Schema.encodeSync(Schema.parseJson(Change))
const decodeChange = Schema.decodeUnknownOption(Schema.parseJson(Change))

// NATS refuses payloads over 1 MB by default; 10,000 UUIDs stay well below.
const IDS_PER_MESSAGE = 10_000

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()

export class ChangeFeed extends Effect.Service<ChangeFeed>()("@adflow/bus/ChangeFeed", {
  effect: Effect.gen(function* () {
    const { connection, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)

    /**
     * Publishes the change (in chunks when there are many ids) and waits until the server has
     * received it (a flush round trip), so a subscriber hears of it before the writer answers.
     */
    const publish = (entity: string, ids: ReadonlyArray<string>) =>
      Effect.tryPromise({
        try: async () => {
          const subject = topology.changeSubject(entity)
          for (let i = 0; i === 0 || i < ids.length; i += IDS_PER_MESSAGE) {
            const chunk = ids.slice(i, i + IDS_PER_MESSAGE)
            connection.publish(subject, textEncoder.encode(encodeChange({ entity, ids: chunk })))
          }
          await connection.flush()
        },
        catch: BusError.from(`publish change ${entity}`),
      })

    /**
     * Subscribes now (the server knows of the subscription when this succeeds, so a change
     * published afterwards is never missed) and answers the notices as a Stream; the
     * subscription ends with the scope. Malformed notices are logged and skipped.
     */
    const subscribe = (entity: string): Effect.Effect<Stream.Stream<Change>, BusError, Scope.Scope> =>
      Effect.gen(function* () {
        // A callback subscription feeding a queue: nothing of it can block the scope from closing.
        const received = yield* Effect.acquireRelease(Queue.unbounded<Msg>(), Queue.shutdown)
        yield* Effect.acquireRelease(
          Effect.try({
            try: () =>
              connection.subscribe(topology.changeSubject(entity), {
                callback: (error, msg) => {
                  if (error === null) Queue.unsafeOffer(received, msg)
                },
              }),
            catch: BusError.from(`subscribe changes ${entity}`),
          }),
          (sub) => Effect.sync(() => sub.unsubscribe()),
        )
        yield* Effect.tryPromise({
          try: () => connection.flush(),
          catch: BusError.from(`subscribe changes ${entity}`),
        })
        return Stream.fromQueue(received).pipe(
          Stream.mapEffect((msg) =>
            Option.match(decodeChange(textDecoder.decode(msg.data)), {
              onNone: () =>
                Effect.logWarning(`ignoring a malformed change notice on ${msg.subject}`).pipe(
                  Effect.as(Option.none<Change>()),
                ),
              onSome: (change) => Effect.succeed(Option.some(change)),
            }),
          ),
          Stream.filterMap(identity),
        )
      })

    return { publish, subscribe, topology } as const
  }),
}) {}
