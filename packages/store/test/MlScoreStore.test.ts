import { SqlClient } from "@effect/sql"
import { assert, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Option } from "effect"
import { MlScoreStore } from "../src/index.js"
import { newAdvertiserId, newClientId, scoreUpdate, StoreTest } from "./support.js"

it.layer(StoreTest)("MlScoreStore", (it) => {
  it.effect("keeps the update with the latest `at`, whatever the arrival order", () =>
    Effect.gen(function* () {
      const scores = yield* MlScoreStore
      const client = newClientId()
      const advertiser = newAdvertiserId()

      assert.isTrue(Option.isNone(yield* scores.get(client, advertiser)))
      assert.strictEqual(yield* scores.upsertBatch([scoreUpdate(client, advertiser, 10, 2_000)]), 1)
      // Older, delivered late: ignored.
      assert.strictEqual(yield* scores.upsertBatch([scoreUpdate(client, advertiser, 99, 1_000)]), 0)
      assert.deepStrictEqual(
        yield* scores.get(client, advertiser),
        Option.some({
          client_id: client,
          advertiser_id: advertiser,
          score: 10,
          updated_at: 2_000,
        }),
      )
      // Newer: applied.
      assert.strictEqual(yield* scores.upsertBatch([scoreUpdate(client, advertiser, 7, 3_000)]), 1)
      // The same update again (a redelivery): stored value unchanged.
      yield* scores.upsertBatch([scoreUpdate(client, advertiser, 7, 3_000)])
      assert.deepStrictEqual(
        Option.map(yield* scores.get(client, advertiser), (s) => [s.score, s.updated_at]),
        Option.some([7, 3_000]),
      )
      assert.strictEqual(yield* scores.upsertBatch([]), 0)
    }),
  )

  it.effect("collapses several updates of one pair inside a batch to the latest", () =>
    Effect.gen(function* () {
      const scores = yield* MlScoreStore
      const client = newClientId()
      const [a1, a2] = [newAdvertiserId(), newAdvertiserId()]
      const applied = yield* scores.upsertBatch([
        scoreUpdate(client, a1, 5, 300),
        scoreUpdate(client, a2, 1, 10),
        scoreUpdate(client, a1, 8, 500),
        scoreUpdate(client, a1, 6, 400),
        scoreUpdate(client, a2, 2, 10),
      ])
      assert.strictEqual(applied, 2)
      assert.deepStrictEqual(
        Option.map(yield* scores.get(client, a1), (s) => [s.score, s.updated_at]),
        Option.some([8, 500]),
      )
      // Equal `at`: the later in the batch wins, as if the two had come in separate batches.
      assert.deepStrictEqual(
        Option.map(yield* scores.get(client, a2), (s) => [s.score, s.updated_at]),
        Option.some([2, 10]),
      )
      assert.deepStrictEqual(
        (yield* scores.listForClient(client)).map((s) => s.advertiser_id).sort(),
        [a1, a2].sort(),
      )
    }),
  )

  it.effect.prop(
    "after any batching of updates the stored score is the one with the greatest `at`",
    {
      updates: fc.array(
        fc.record({ pair: fc.nat({ max: 3 }), score: fc.nat({ max: 1000 }), at: fc.nat({ max: 50 }) }),
        {
          minLength: 1,
          maxLength: 40,
        },
      ),
      cuts: fc.array(fc.nat({ max: 40 }), { maxLength: 5 }),
    },
    ({ updates, cuts }) =>
      Effect.gen(function* () {
        const scores = yield* MlScoreStore
        const client = newClientId()
        const advertisers = Array.from({ length: 4 }, () => newAdvertiserId())
        const events = updates.map((u) => scoreUpdate(client, advertisers[u.pair]!, u.score, u.at))
        const bounds = [0, ...[...cuts].sort((a, b) => a - b), events.length]
        for (let i = 0; i + 1 < bounds.length; i++) {
          yield* scores.upsertBatch(events.slice(bounds[i], bounds[i + 1]))
        }
        for (const [pair, advertiser] of advertisers.entries()) {
          const mine = updates.filter((u) => u.pair === pair)
          const stored = yield* scores.get(client, advertiser)
          if (mine.length === 0) {
            assert.isTrue(Option.isNone(stored))
            continue
          }
          const latestAt = Math.max(...mine.map((u) => u.at))
          // Among updates with the latest `at`, the last one to arrive wins.
          const expected = mine.filter((u) => u.at === latestAt).at(-1)!
          assert.deepStrictEqual(
            Option.map(stored, (s) => [s.score, s.updated_at]),
            Option.some([expected.score, latestAt]),
          )
        }
      }),
    { fastCheck: { numRuns: 30 } },
  )

  it.effect(
    "concurrent batches over the same pairs, in opposite orders, all apply and the latest `at` wins",
    () =>
      Effect.gen(function* () {
        const scores = yield* MlScoreStore
        const client = newClientId()
        const advertisers = Array.from({ length: 300 }, () => newAdvertiserId())
        // Batch k carries at = k * 1000 + pair; its pairs alternate in ascending and descending order.
        const batches = Array.from({ length: 8 }, (_, k) => {
          const batch = advertisers.map((a, pair) => scoreUpdate(client, a, k, k * 1000 + pair))
          return k % 2 === 0 ? batch : batch.reverse()
        })
        yield* Effect.forEach(batches, (batch) => scores.upsertBatch(batch), { concurrency: "unbounded" })
        const stored = yield* scores.listForClient(client)
        assert.strictEqual(stored.length, 300)
        for (const row of stored) {
          const pair = advertisers.indexOf(row.advertiser_id)
          assert.deepStrictEqual([row.score, row.updated_at], [7, 7000 + pair])
        }
      }),
  )

  it.effect("rejects a negative score and stores nothing of that batch", () =>
    Effect.gen(function* () {
      const scores = yield* MlScoreStore
      const sql = yield* SqlClient.SqlClient
      const client = newClientId()
      const advertiser = newAdvertiserId()
      const bad = { ...scoreUpdate(client, advertiser, 1, 1), score: -1 } as ReturnType<typeof scoreUpdate>
      const error = yield* Effect.flip(
        scores.upsertBatch([scoreUpdate(client, newAdvertiserId(), 3, 1), bad]),
      )
      assert.strictEqual(error._tag, "SqlError")
      const [row] = yield* sql<{
        n: number
      }>`SELECT count(*)::integer AS n FROM ml_scores WHERE client_id = ${client}`
      assert.strictEqual(row?.n, 0)
    }),
  )
})
