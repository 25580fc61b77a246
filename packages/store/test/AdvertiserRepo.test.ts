import { assert, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { AdvertiserRepo } from "../src/index.js"
import { newAdvertiserId, StoreTest } from "./support.js"

it.layer(StoreTest)("AdvertiserRepo", (it) => {
  it.effect("creates, then replaces, answering the stored rows in input order", () =>
    Effect.gen(function* () {
      const repo = yield* AdvertiserRepo
      const [a, b, c] = [newAdvertiserId(), newAdvertiserId(), newAdvertiserId()]
      const created = yield* repo.upsertMany([
        { advertiser_id: b, name: "Beta" },
        { advertiser_id: a, name: "Alpha" },
      ])
      assert.deepStrictEqual(created, [
        { advertiser_id: b, name: "Beta" },
        { advertiser_id: a, name: "Alpha" },
      ])
      const replaced = yield* repo.upsertMany([
        { advertiser_id: c, name: "Gamma" },
        { advertiser_id: a, name: "Alpha 2" },
      ])
      assert.deepStrictEqual(replaced, [
        { advertiser_id: c, name: "Gamma" },
        { advertiser_id: a, name: "Alpha 2" },
      ])
      assert.deepStrictEqual(yield* repo.findById(a), Option.some({ advertiser_id: a, name: "Alpha 2" }))
      assert.deepStrictEqual(yield* repo.findById(b), Option.some({ advertiser_id: b, name: "Beta" }))
      assert.isTrue(Option.isNone(yield* repo.findById(newAdvertiserId())))
      assert.deepStrictEqual(yield* repo.upsertMany([]), [])
    }),
  )

  it.effect("stores the last of several rows with the same id in one request", () =>
    Effect.gen(function* () {
      const repo = yield* AdvertiserRepo
      const [a, b] = [newAdvertiserId(), newAdvertiserId()]
      const stored = yield* repo.upsertMany([
        { advertiser_id: a, name: "first" },
        { advertiser_id: b, name: "other" },
        { advertiser_id: a, name: "last" },
      ])
      assert.deepStrictEqual(stored, [
        { advertiser_id: a, name: "last" },
        { advertiser_id: b, name: "other" },
      ])
      assert.deepStrictEqual(yield* repo.findById(a), Option.some({ advertiser_id: a, name: "last" }))
    }),
  )

  it.effect("stores nothing of a request when one row breaks a rule", () =>
    Effect.gen(function* () {
      const repo = yield* AdvertiserRepo
      const [a, b] = [newAdvertiserId(), newAdvertiserId()]
      yield* repo.upsertMany([{ advertiser_id: a, name: "kept" }])
      const error = yield* Effect.flip(
        repo.upsertMany([
          { advertiser_id: a, name: "changed" },
          { advertiser_id: b, name: null as unknown as string },
        ]),
      )
      assert.strictEqual(error._tag, "ConstraintViolation")
      assert.deepStrictEqual(yield* repo.findById(a), Option.some({ advertiser_id: a, name: "kept" }))
      assert.isTrue(Option.isNone(yield* repo.findById(b)))
    }),
  )
})
