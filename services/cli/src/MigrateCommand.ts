import { AnalyticsMigrations, ClickHouse } from "@adflow/analytics"
import { NatsClient, Provisioning } from "@adflow/bus"
import { PgDatabase, StoreMigrations } from "@adflow/store"
import { Effect, Layer } from "effect"
import type { Command } from "./Command.js"

/** Brings every store up to the current schema and provisions the streams; safe to run again. */
export const migrateAll = Effect.gen(function* () {
  const pg = yield* StoreMigrations.migrate
  const ch = yield* AnalyticsMigrations.run
  yield* Provisioning.provision()
  yield* Effect.log(
    `migrated: PostgreSQL ${pg.length} step(s), ClickHouse ${ch.length} step(s); streams provisioned`,
  )
})

export const MigrateCommand: Command = {
  name: "migrate",
  summary: "apply PostgreSQL and ClickHouse migrations and provision JetStream streams",
  usage: "adflow migrate",
  run: () =>
    migrateAll.pipe(
      Effect.provide(Layer.mergeAll(PgDatabase.layerConfig, ClickHouse.layerConfig, NatsClient.layerConfig)),
    ),
}
