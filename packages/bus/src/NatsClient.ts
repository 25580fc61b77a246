import { Config, Context, Duration, Effect, Layer, Schedule } from "effect"
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from "nats"

export interface NatsClientOptions {
  readonly url: string
  /** Prefix of every stream, consumer and subject this process uses; the testkit varies it per test file. */
  readonly prefix: string
  readonly name?: string
}

/** One NATS connection with its JetStream handles, drained when its scope closes. */
export class NatsClient extends Context.Tag("@adflow/bus/NatsClient")<
  NatsClient,
  {
    readonly connection: NatsConnection
    readonly jetstream: JetStreamClient
    readonly manager: JetStreamManager
    readonly prefix: string
  }
>() {
  static readonly make = (options: NatsClientOptions) =>
    Effect.gen(function* () {
      const connection = yield* Effect.acquireRelease(
        Effect.tryPromise(() =>
          connect({
            servers: options.url,
            name: options.name ?? "adflow",
            // Keep reconnecting forever with jittered backoff: a NATS restart delays work, never ends it.
            maxReconnectAttempts: -1,
            reconnectTimeWait: 250,
            reconnectJitter: 250,
            // Otherwise every request and JetStream publish builds an Error for its stack trace:
            // about an eighth of the ad request's CPU in a profile.
            noAsyncTraces: true,
          }),
        ).pipe(
          Effect.retry(Schedule.exponential("100 millis").pipe(Schedule.intersect(Schedule.recurs(8)))),
          Effect.orDie,
        ),
        (nc) =>
          Effect.promise(() => nc.drain().catch(() => nc.close())).pipe(
            Effect.timeout(Duration.seconds(10)),
            Effect.ignore,
          ),
      )
      const manager = yield* Effect.promise(() => connection.jetstreamManager())
      return { connection, jetstream: connection.jetstream(), manager, prefix: options.prefix }
    })

  static readonly layer = (options: NatsClientOptions) => Layer.scoped(NatsClient, NatsClient.make(options))

  static readonly layerConfig = Layer.unwrapEffect(
    Effect.gen(function* () {
      const url = yield* Config.string("ADFLOW_NATS_URL").pipe(Config.withDefault("nats://127.0.0.1:14222"))
      const prefix = yield* Config.string("ADFLOW_NATS_PREFIX").pipe(Config.withDefault("adflow"))
      return NatsClient.layer({ url, prefix })
    }),
  )
}
