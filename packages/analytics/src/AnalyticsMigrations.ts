import { Effect, Layer, Schema } from "effect"
import { AnalyticsError } from "./AnalyticsError.js"
import { ClickHouse } from "./ClickHouse.js"
import * as Literal from "./Literal.js"
import * as Tables from "./Tables.js"

/**
 * One step of the schema. Statements must be idempotent (`IF NOT EXISTS`), so two processes
 * migrating at once, or a crash between a step and its record, only repeat harmless work.
 * Each statement receives the validated, quoted database name.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly statements: (database: string) => ReadonlyArray<string>
}

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "events",
    statements: (db) => [
      // ReplacingMergeTree collapses rows with equal sorting keys on merge, and reads use FINAL
      // so duplicates never count even before a merge. The event id embeds the campaign id, so
      // (campaign_id, event_id) is unique exactly when event_id is, and keeps a campaign's rows together.
      // No PARTITION BY: duplicates only collapse within one partition.
      `CREATE TABLE IF NOT EXISTS ${db}.${Tables.EVENTS} (
        event_id String,
        kind Enum8('impression' = 1, 'click' = 2),
        campaign_id String,
        advertiser_id String,
        client_id String,
        day UInt32,
        cost_micros UInt64,
        score UInt32,
        at UInt64
      ) ENGINE = ReplacingMergeTree ORDER BY (campaign_id, event_id)`,
    ],
  },
]

const Applied = Schema.Struct({ applied: Schema.NumberFromString.pipe(Schema.int()) })
const decodeApplied = Schema.decodeUnknown(Schema.Array(Applied))

/**
 * Creates the database if missing, then applies, in order, every migration not yet recorded
 * in `schema_migrations`. Returns the versions it applied (none when the schema is current).
 */
export const run: Effect.Effect<ReadonlyArray<number>, AnalyticsError, ClickHouse> = Effect.gen(function* () {
  const { client, database } = yield* ClickHouse
  const db = yield* Effect.mapError(
    Literal.identifier(database),
    (invalid) => new AnalyticsError({ operation: "migrate", message: `${invalid.value}: ${invalid.reason}` }),
  )
  const table = yield* Tables.qualified(Tables.MIGRATIONS)
  const command = (query: string) =>
    Effect.tryPromise({
      try: (signal) => client.command({ query, abort_signal: signal }),
      catch: AnalyticsError.from("migrate"),
    })

  yield* command(`CREATE DATABASE IF NOT EXISTS ${db}`)
  yield* command(
    `CREATE TABLE IF NOT EXISTS ${table} (version UInt32, name String, applied_at DateTime DEFAULT now())
     ENGINE = ReplacingMergeTree ORDER BY version`,
  )
  const rows = yield* Effect.tryPromise({
    try: async (signal) => {
      const result = await client.query({
        query: `SELECT DISTINCT toString(version) AS applied FROM ${table}`,
        format: "JSONEachRow",
        abort_signal: signal,
      })
      return result.json()
    },
    catch: AnalyticsError.from("migrate"),
  }).pipe(Effect.flatMap((json) => Effect.mapError(decodeApplied(json), AnalyticsError.from("migrate"))))
  const done = new Set(rows.map((row) => row.applied))

  const applied: Array<number> = []
  for (const migration of migrations) {
    if (done.has(migration.version)) continue
    for (const statement of migration.statements(db)) yield* command(statement)
    const version = yield* Effect.orDie(Literal.number(migration.version))
    yield* command(
      `INSERT INTO ${table} (version, name) VALUES (${version}, ${Literal.string(migration.name)})`,
    )
    applied.push(migration.version)
  }
  return applied
})

/** Runs the migrations when the layer is built; provide it before the writer and the queries. */
export const layer: Layer.Layer<never, AnalyticsError, ClickHouse> = Layer.effectDiscard(run)
