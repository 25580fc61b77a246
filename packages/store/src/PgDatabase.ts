import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Redacted } from "effect"

export interface PgDatabaseOptions {
  readonly url: string
  readonly maxConnections?: number
}

/** The PostgreSQL pool (`PgClient` and `SqlClient`) for adflow's database. */
export const layer = (options: PgDatabaseOptions) =>
  PgClient.layer({ url: Redacted.make(options.url), maxConnections: options.maxConnections ?? 10 })

export const layerConfig = Layer.unwrapEffect(
  Effect.map(
    Config.all({
      url: Config.string("ADFLOW_PG_URL").pipe(
        Config.withDefault("postgres://postgres@127.0.0.1:15432/adflow"),
      ),
      maxConnections: Config.integer("ADFLOW_PG_POOL").pipe(Config.withDefault(10)),
    }),
    layer,
  ),
)
