import { TestNamespace, TestPostgres } from "@adflow/testkit"
import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

const migrate = Migrator.make({})({
  loader: Migrator.fromRecord({
    "1_smoke": Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`CREATE TABLE smoke (id int PRIMARY KEY, label text NOT NULL)`,
    ),
  }),
})

it.layer(TestPostgres.layer.pipe(Layer.provideMerge(TestNamespace.layer)))("PostgreSQL smoke", (it) => {
  it.effect("migrates a fresh database and queries it", () =>
    Effect.gen(function* () {
      const applied = yield* migrate
      assert.deepStrictEqual(applied, [[1, "smoke"]])
      assert.deepStrictEqual(yield* migrate, [])
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO smoke ${sql.insert([
        { id: 1, label: "a" },
        { id: 2, label: "b" },
      ])}`
      const rows = yield* sql<{ id: number; label: string }>`SELECT id, label FROM smoke ORDER BY id`
      assert.deepStrictEqual(
        rows.map((r) => [r.id, r.label]),
        [
          [1, "a"],
          [2, "b"],
        ],
      )
      const [db] = yield* sql<{ name: string }>`SELECT current_database() AS name`
      assert.strictEqual(db?.name, (yield* TestNamespace).id)
    }),
  )
})
