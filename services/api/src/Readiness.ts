import { ClickHouse } from "@adflow/analytics"
import { NatsClient } from "@adflow/bus"
import { RedisClient } from "@adflow/counters"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

const TIMEOUT = "2 seconds"

/** Answers when every server the API needs answers; otherwise the names of those that do not. */
export class Readiness extends Effect.Service<Readiness>()("@adflow/api/Readiness", {
  effect: Effect.gen(function* () {
    const nats = yield* NatsClient
    const { redis } = yield* RedisClient
    const sql = yield* SqlClient.SqlClient
    const { client: clickhouse } = yield* ClickHouse

    const probe = (name: string, ping: Effect.Effect<unknown, unknown>) =>
      ping.pipe(
        Effect.timeoutFail({ duration: TIMEOUT, onTimeout: () => "timed out" }),
        Effect.match({
          onFailure: (error) => [`${name} (${error instanceof Error ? error.message : String(error)})`],
          onSuccess: () => [],
        }),
      )

    const probes = [
      probe(
        "NATS",
        Effect.tryPromise(() => nats.connection.flush()),
      ),
      probe(
        "Redis",
        Effect.tryPromise(() => redis.ping()),
      ),
      probe("PostgreSQL", sql`SELECT 1`),
      probe(
        "ClickHouse",
        Effect.tryPromise(async () => {
          const result = await clickhouse.ping()
          if (!result.success) throw result.error
        }),
      ),
    ]

    /** The servers that did not answer; empty when ready. */
    const failing = Effect.all(probes, { concurrency: "unbounded" }).pipe(Effect.map((lists) => lists.flat()))

    return { failing } as const
  }),
}) {}
