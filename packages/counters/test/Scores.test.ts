import { Counters } from "@adflow/counters"
import type { AdvertiserId, ClientId } from "@adflow/domain"
import { assert, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { advertiserId, clientId, layer, scoreUpdate } from "./fixtures.js"

const scoresOf = (client: ClientId, advertiserIds: ReadonlyArray<AdvertiserId>) =>
  Effect.flatMap(Counters, (counters) =>
    counters.readForRequest({ clientId: client, advertiserIds, campaignIds: [] }),
  ).pipe(Effect.map(({ scores }) => advertiserIds.map((id) => scores.get(id))))

it.layer(layer)("applyScores", (it) => {
  it.effect("a newer update overwrites, an older one is stale, the same one again is a duplicate", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const advertiser = advertiserId()
      assert.deepStrictEqual(yield* counters.applyScores([scoreUpdate(client, advertiser, 10, 1_000)]), [
        "applied",
      ])
      assert.deepStrictEqual(yield* counters.applyScores([scoreUpdate(client, advertiser, 20, 2_000)]), [
        "applied",
      ])
      assert.deepStrictEqual(yield* counters.applyScores([scoreUpdate(client, advertiser, 99, 1_500)]), [
        "stale",
      ])
      assert.deepStrictEqual(yield* counters.applyScores([scoreUpdate(client, advertiser, 20, 2_000)]), [
        "duplicate",
      ])
      assert.deepStrictEqual(yield* scoresOf(client, [advertiser]), [20])
    }),
  )

  it.effect(
    "out-of-order delivery in one batch keeps the newest; a lower score can replace a higher one",
    () =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const client = clientId()
        const [a, b] = [advertiserId(), advertiserId()]
        const outcomes = yield* counters.applyScores([
          scoreUpdate(client, a, 5, 3_000),
          scoreUpdate(client, b, 7, 1_000),
          scoreUpdate(client, a, 50, 2_000),
          scoreUpdate(client, b, 0, 4_000),
        ])
        assert.deepStrictEqual(outcomes, ["applied", "applied", "stale", "applied"])
        assert.deepStrictEqual(yield* scoresOf(client, [a, b]), [5, 0])
      }),
  )

  it.effect("two different scores with the same `at` resolve to the higher, whatever the order", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const [a, b] = [advertiserId(), advertiserId()]
      assert.deepStrictEqual(
        yield* counters.applyScores([scoreUpdate(client, a, 3, 100), scoreUpdate(client, a, 8, 100)]),
        ["applied", "applied"],
      )
      assert.deepStrictEqual(
        yield* counters.applyScores([scoreUpdate(client, b, 8, 100), scoreUpdate(client, b, 3, 100)]),
        ["applied", "stale"],
      )
      assert.deepStrictEqual(yield* scoresOf(client, [a, b]), [8, 8])
    }),
  )

  it.effect("scores are per client: another client's update does not leak", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const [one, other] = [clientId(), clientId()]
      const advertiser = advertiserId()
      yield* counters.applyScores([scoreUpdate(one, advertiser, 42, 1)])
      assert.deepStrictEqual(yield* scoresOf(other, [advertiser]), [0])
      assert.deepStrictEqual(yield* scoresOf(one, [advertiser]), [42])
    }),
  )

  it.effect("an update at time 0 still applies to an empty cache (missing is not 'at 0')", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const advertiser = advertiserId()
      assert.deepStrictEqual(yield* counters.applyScores([scoreUpdate(client, advertiser, 0, 0)]), [
        "applied",
      ])
      assert.deepStrictEqual(yield* counters.applyScores([scoreUpdate(client, advertiser, 4, 0)]), [
        "applied",
      ])
      assert.deepStrictEqual(yield* scoresOf(client, [advertiser]), [4])
    }),
  )

  // Whatever order (and however often) a set of updates arrives, in whatever batches, the stored
  // score is the one of the greatest (at, score).
  const updates = fc.array(
    fc.record({ advertiser: fc.nat({ max: 2 }), score: fc.nat({ max: 5 }), at: fc.nat({ max: 6 }) }),
    { minLength: 1, maxLength: 25 },
  )
  const scenario = updates.chain((distinct) =>
    fc.record({
      distinct: fc.constant(distinct),
      // Every update at least once, some twice, in any order.
      delivery: fc
        .array(fc.nat({ max: distinct.length - 1 }), { maxLength: 15 })
        .chain((again) =>
          fc.shuffledSubarray([...distinct.keys(), ...again], { minLength: distinct.length + again.length }),
        ),
      batchSize: fc.integer({ min: 1, max: 8 }),
    }),
  )

  it.effect.prop(
    "last writer wins by (at, score) under any delivery order with duplicates",
    [scenario],
    ([{ batchSize, delivery, distinct }]) =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const client = clientId()
        const advertisers = [advertiserId(), advertiserId(), advertiserId()]
        const events = delivery.map((i) => {
          const u = distinct[i]!
          return scoreUpdate(client, advertisers[u.advertiser]!, u.score, u.at)
        })
        for (let i = 0; i < events.length; i += batchSize)
          yield* counters.applyScores(events.slice(i, i + batchSize))

        const expected = advertisers.map((_, a) => {
          const mine = distinct.filter((u) => u.advertiser === a)
          if (mine.length === 0) return 0
          return mine.reduce((best, u) =>
            u.at > best.at || (u.at === best.at && u.score > best.score) ? u : best,
          ).score
        })
        assert.deepStrictEqual(yield* scoresOf(client, advertisers), expected)
      }),
    { fastCheck: { numRuns: 60 } },
  )
})
