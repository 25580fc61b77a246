import { assert, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { type ClientRow, ClientRepo } from "../src/index.js"
import { newClientId, StoreTest } from "./support.js"

const client = (overrides: Partial<ClientRow> = {}): ClientRow => ({
  client_id: newClientId(),
  login: "user",
  age: 30,
  location: "Moscow",
  gender: "MALE",
  ...overrides,
})

it.layer(StoreTest)("ClientRepo", (it) => {
  it.effect("creates, then replaces every field, answering the stored rows in input order", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      const a = client({ login: "a" })
      const b = client({ login: "b", gender: "FEMALE", age: 0 })
      assert.deepStrictEqual(yield* repo.upsertMany([a, b]), [a, b])
      const a2 = { ...a, login: "a2", age: 41, location: "metroBelarusskaya", gender: "FEMALE" as const }
      const c = client({ login: "c" })
      assert.deepStrictEqual(yield* repo.upsertMany([c, a2]), [c, a2])
      assert.deepStrictEqual(yield* repo.findById(a.client_id), Option.some(a2))
      assert.deepStrictEqual(yield* repo.findById(b.client_id), Option.some(b))
      assert.isTrue(Option.isNone(yield* repo.findById(newClientId())))
    }),
  )

  it.effect("stores the last of several rows with the same id in one request", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      const first = client({ login: "first" })
      const last = { ...first, login: "last", age: 50 }
      const other = client()
      assert.deepStrictEqual(yield* repo.upsertMany([first, other, last]), [last, other])
      assert.deepStrictEqual(yield* repo.findById(first.client_id), Option.some(last))
    }),
  )

  it.effect("stores nothing of a request when one row breaks a rule", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      const kept = client({ login: "kept" })
      yield* repo.upsertMany([kept])
      const fresh = client()
      for (const bad of [
        client({ age: -1 }),
        client({ gender: "OTHER" as "MALE" }),
        client({ login: null as unknown as string }),
      ]) {
        const error = yield* Effect.flip(repo.upsertMany([fresh, { ...kept, login: "changed" }, bad]))
        assert.strictEqual(error._tag, "ConstraintViolation")
        assert.isTrue(Option.isNone(yield* repo.findById(bad.client_id)))
      }
      assert.deepStrictEqual(yield* repo.findById(kept.client_id), Option.some(kept))
      assert.isTrue(Option.isNone(yield* repo.findById(fresh.client_id)))
    }),
  )

  it.effect("finds many by id, in the order asked, skipping unknown ids", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      const [a, b, c] = [client(), client(), client()]
      yield* repo.upsertMany([a, b, c])
      const found = yield* repo.findMany([c.client_id, newClientId(), a.client_id, c.client_id])
      assert.deepStrictEqual(found, [c, a])
      assert.deepStrictEqual(yield* repo.findMany([]), [])
    }),
  )

  it.effect("pages through every client in id order, each once", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      const stored = Array.from({ length: 7 }, () => client())
      yield* repo.upsertMany(stored)
      const seen: Array<ClientRow> = []
      let after = Option.none<ClientRow["client_id"]>()
      for (;;) {
        const rows = yield* repo.page(after, 3)
        assert.isAtMost(rows.length, 3)
        if (rows.length === 0) break
        seen.push(...rows)
        after = Option.some(rows[rows.length - 1]!.client_id)
      }
      const ids = seen.map((row) => row.client_id)
      assert.deepStrictEqual(ids, [...ids].sort())
      assert.strictEqual(new Set(ids).size, ids.length)
      for (const row of stored) assert.deepInclude(seen, row)
    }),
  )
})
