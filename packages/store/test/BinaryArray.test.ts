import { SqlClient } from "@effect/sql"
import { assert, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { randomUUID } from "node:crypto"
import * as BinaryArray from "../src/BinaryArray.js"
import { StoreTest } from "./support.js"

// PostgreSQL text cannot hold NUL, and a lone surrogate has no UTF-8 form; everything else must come back as it went in.
const text = fc.string({ unit: "grapheme", maxLength: 12 }).filter((value) => !value.includes("\u0000"))
const awkward = ['"', "\\", ",", "{}", "{", "}", " ", " padded ", "NULL", "null", "", 'a\\"b', "\n\t", "ü€😀"]

it.layer(StoreTest)("BinaryArray", (it) => {
  /** Sends the array as a parameter cast to `type`, answers its elements as text, in order. */
  const roundTrip = (array: Buffer, type: "text" | "uuid" | "integer" | "bigint") =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ value: string }>`
        SELECT value::text AS value
        FROM unnest(${array}::${sql.literal(type)}[]) WITH ORDINALITY AS t(value, ord)
        ORDER BY ord`.pipe(Effect.map((rows) => rows.map((row) => row.value))),
    )

  it.effect("a text[] reads back as exactly the strings given", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* roundTrip(BinaryArray.texts(awkward), "text"), awkward)
      assert.deepStrictEqual(yield* roundTrip(BinaryArray.texts([]), "text"), [])
      for (const values of fc.sample(fc.array(text, { maxLength: 20 }), 100)) {
        assert.deepStrictEqual(yield* roundTrip(BinaryArray.texts(values), "text"), values)
      }
    }),
  )

  it.effect("a uuid[] reads back as the uuids given, in either case; anything else is refused", () =>
    Effect.gen(function* () {
      const ids = [...Array.from({ length: 50 }, () => randomUUID()), "00000000-0000-0000-0000-000000000000"]
      ids.push("FFFFFFFF-ABCD-4EF0-9ABC-DEF012345678")
      assert.deepStrictEqual(
        yield* roundTrip(BinaryArray.uuids(ids), "uuid"),
        ids.map((id) => id.toLowerCase()),
      )
      assert.deepStrictEqual(yield* roundTrip(BinaryArray.uuids([]), "uuid"), [])
      for (const bad of [
        "",
        "not-a-uuid",
        "0000000000000000000000000000000000000",
        "00000000-0000-0000-0000-00000000000g",
        "00000000_0000-0000-0000-000000000000",
        "0000000-00000-0000-0000-000000000000",
        "00000000-0000-0000-0000-00000000000é",
      ]) {
        assert.throws(() => BinaryArray.uuids([randomUUID(), bad]), /not a uuid/, bad)
      }
    }),
  )

  it.effect(
    "integer[] and bigint[] read back as the numbers given, limits included; other numbers are refused",
    () =>
      Effect.gen(function* () {
        const int4 = [0, 1, -1, 42, 2_147_483_647, -2_147_483_648]
        assert.deepStrictEqual(yield* roundTrip(BinaryArray.int4s(int4), "integer"), int4.map(String))
        const int8 = [
          0,
          -1,
          1,
          2 ** 32,
          2 ** 32 - 1,
          -(2 ** 32),
          1_712_345_678_901,
          Number.MAX_SAFE_INTEGER,
          -Number.MAX_SAFE_INTEGER,
        ]
        assert.deepStrictEqual(yield* roundTrip(BinaryArray.int8s(int8), "bigint"), int8.map(String))
        for (const values of fc.sample(fc.array(fc.maxSafeInteger(), { maxLength: 20 }), 100)) {
          assert.deepStrictEqual(yield* roundTrip(BinaryArray.int8s(values), "bigint"), values.map(String))
        }
        assert.deepStrictEqual(yield* roundTrip(BinaryArray.int4s([]), "integer"), [])
        for (const bad of [0.5, 2_147_483_648, -2_147_483_649, Number.NaN, Infinity]) {
          assert.throws(() => BinaryArray.int4s([1, bad]), /not a 32-bit integer/)
        }
        for (const bad of [0.5, 2 ** 53, Number.NaN, -Infinity]) {
          assert.throws(() => BinaryArray.int8s([1, bad]), /not a safe integer/)
        }
      }),
  )
})
