import { TestNamespace, TestPostgres } from "@adflow/testkit"
import { SqlClient } from "@effect/sql"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { StoreMigrations } from "../src/index.js"

it.layer(TestPostgres.layer.pipe(Layer.provideMerge(TestNamespace.layer)))("StoreMigrations", (it) => {
  it.effect("applies every migration once on a fresh database, then nothing", () =>
    Effect.gen(function* () {
      const first = yield* StoreMigrations.migrate
      assert.deepStrictEqual(first, [
        [1, "master_data"],
        [2, "ledger"],
        [3, "ledger_without_campaign_indexes"],
      ])
      assert.deepStrictEqual(yield* StoreMigrations.migrate, [])
      assert.deepStrictEqual(yield* StoreMigrations.migrate, [])

      const sql = yield* SqlClient.SqlClient
      const tables = yield* sql<{ name: string }>`
        SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' ORDER BY table_name`
      assert.deepStrictEqual(
        tables.map((t) => t.name),
        [
          "advertisers",
          "campaigns",
          "clicks",
          "clients",
          "current_day",
          "effect_sql_migrations",
          "impressions",
          "ml_scores",
        ],
      )
      // The ledger is indexed by event id only: nothing reads it by campaign.
      const ledgerIndexes = yield* sql<{ name: string }>`
        SELECT indexname AS name FROM pg_indexes
        WHERE schemaname = 'public' AND tablename IN ('impressions', 'clicks') ORDER BY indexname`
      assert.deepStrictEqual(
        ledgerIndexes.map((i) => i.name),
        ["clicks_pkey", "impressions_pkey"],
      )
      const days = yield* sql<{ day: number }>`SELECT day FROM current_day`
      assert.deepStrictEqual(
        days.map((d) => d.day),
        [0],
      )
    }),
  )

  it.effect("keeps the current day a single row", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const error = yield* Effect.flip(sql`INSERT INTO current_day (singleton, day) VALUES (true, 5)`)
      assert.strictEqual(error._tag, "SqlError")
      const other = yield* Effect.flip(sql`INSERT INTO current_day (singleton, day) VALUES (false, 5)`)
      assert.strictEqual(other._tag, "SqlError")
    }),
  )
})
