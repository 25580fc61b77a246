import { SqlClient } from "@effect/sql"
import { assert, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import * as ArrayLiteral from "../src/ArrayLiteral.js"
import { StoreTest } from "./support.js"

// PostgreSQL text cannot hold NUL; everything else must come back as it went in.
const text = fc.string({ unit: "binary", maxLength: 12 }).filter((value) => !value.includes("\u0000"))
const awkward = ['"', "\\", ",", "{}", "{", "}", " ", " padded ", "NULL", "null", "", 'a\\"b', "\n\t", "ü€😀"]

it.layer(StoreTest)("ArrayLiteral", (it) => {
  it.effect(
    "a text[] literal reads back as exactly the strings given, quotes, backslashes, braces and NULL included",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const roundTrip = (values: ReadonlyArray<string>) =>
          sql<{ value: string; ord: number }>`
          SELECT value, ord::integer AS ord
          FROM unnest(${ArrayLiteral.texts(values)}::text[]) WITH ORDINALITY AS t(value, ord)
          ORDER BY ord`.pipe(Effect.map((rows) => rows.map((row) => row.value)))
        assert.deepStrictEqual(yield* roundTrip(awkward), awkward)
        assert.deepStrictEqual(yield* roundTrip([]), [])
        for (const values of fc.sample(fc.array(text, { maxLength: 20 }), 100)) {
          assert.deepStrictEqual(yield* roundTrip(values), values)
        }
      }),
  )

  it.effect("a bigint[] literal reads back as the numbers given; a non-integer fails the cast", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const numbers = [0, -1, 42, 1_712_345_678_901, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]
      const rows = yield* sql<{ value: string }>`
        SELECT value::text AS value FROM unnest(${ArrayLiteral.numbers(numbers)}::bigint[]) AS t(value)`
      assert.deepStrictEqual(
        rows.map((row) => row.value),
        numbers.map(String),
      )
      const failed = yield* Effect.either(sql`SELECT unnest(${ArrayLiteral.numbers([1, 0.5])}::bigint[])`)
      assert.isTrue(failed._tag === "Left")
    }),
  )
})
