import { ClickHouse } from "@adflow/analytics"
import { TestClickHouse, TestNamespace } from "@adflow/testkit"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

it.layer(TestClickHouse.layer.pipe(Layer.provideMerge(TestNamespace.layer)))("ClickHouse smoke", (it) => {
  it.effect("inserts rows and selects them back from the namespace's database", () =>
    Effect.gen(function* () {
      const { client, database } = yield* ClickHouse
      yield* Effect.promise(() =>
        client.command({
          query: `CREATE TABLE ${database}.smoke (id UInt64, label String) ENGINE = MergeTree ORDER BY id`,
        }),
      )
      yield* Effect.promise(() =>
        client.insert({
          table: `${database}.smoke`,
          values: [
            { id: 2, label: "b" },
            { id: 1, label: "a" },
          ],
          format: "JSONEachRow",
        }),
      )
      const result = yield* Effect.promise(() =>
        client.query({ query: `SELECT id, label FROM ${database}.smoke ORDER BY id`, format: "JSONEachRow" }),
      )
      const rows = yield* Effect.promise(() => result.json<{ id: string; label: string }>())
      assert.deepStrictEqual(rows, [
        { id: "1", label: "a" },
        { id: "2", label: "b" },
      ])
    }),
  )
})
