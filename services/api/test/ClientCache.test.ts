import { ChangeFeed } from "@adflow/bus"
import { ClientRepo, StoreLayer } from "@adflow/store"
import { TestStack } from "@adflow/testkit"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Option, Schedule } from "effect"
import { ClientCache } from "../src/ClientCache.js"
import { client, Migrated } from "./harness.js"

/** A fresh cache (a new API instance) with the given settings. */
const cacheWith = (settings: Record<string, string> = {}) =>
  Layer.build(Layer.fresh(ClientCache.Default)).pipe(
    Effect.map((context) => Context.get(context, ClientCache)),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(settings)))),
  )

layer(
  Layer.mergeAll(StoreLayer, ChangeFeed.Default).pipe(
    Layer.provide(Migrated),
    Layer.provideMerge(TestStack.layer),
  ),
  { excludeTestServices: true },
)("client cache", (it) => {
  it.scoped("holds every stored client after its start-up load, without a read per client", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      // More than a page, so the load walks several.
      const stored = Array.from({ length: 10_500 }, (_, i) => client({ age: i % 90 }))
      yield* repo.upsertMany(stored)
      const cache = yield* cacheWith()
      yield* cache.warmedUp
      for (const row of stored) assert.deepStrictEqual(cache.held(row.client_id), row)
      assert.isAtLeast(cache.size(), stored.length)
    }),
  )

  it.scoped("holds at most its capacity, and still answers every client", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      const stored = Array.from({ length: 20 }, () => client())
      yield* repo.upsertMany(stored)
      const cache = yield* cacheWith({ ADFLOW_CLIENT_CACHE_SIZE: "5" })
      yield* cache.warmedUp
      assert.strictEqual(cache.size(), 5)
      for (const row of stored) {
        assert.deepStrictEqual(yield* cache.get(row.client_id), Option.some(row))
        assert.isAtMost(cache.size(), 5)
      }
      // The last one read is held, having evicted the longest-held.
      assert.deepStrictEqual(cache.held(stored[19]!.client_id), stored[19])
      yield* cache.refresh
      assert.strictEqual(cache.size(), 5)
    }),
  )

  it.scoped("a refresh repairs a client changed without a notice", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      const person = client({ age: 30 })
      yield* repo.upsertMany([person])
      const cache = yield* cacheWith()
      yield* cache.warmedUp
      assert.strictEqual(cache.held(person.client_id)?.age, 30)
      // Written straight to PostgreSQL: no notice reaches the cache.
      yield* repo.upsertMany([{ ...person, age: 31 }])
      assert.strictEqual(cache.held(person.client_id)?.age, 30)
      yield* cache.refresh
      assert.strictEqual(cache.held(person.client_id)?.age, 31)
    }),
  )

  it.scoped("refreshes by itself every ADFLOW_CLIENT_CACHE_REFRESH", () =>
    Effect.gen(function* () {
      const repo = yield* ClientRepo
      const person = client({ age: 40 })
      yield* repo.upsertMany([person])
      const cache = yield* cacheWith({ ADFLOW_CLIENT_CACHE_REFRESH: "100 millis" })
      yield* cache.warmedUp
      yield* repo.upsertMany([{ ...person, age: 41 }])
      yield* Effect.sync(() => cache.held(person.client_id)?.age).pipe(
        Effect.repeat({ until: (age) => age === 41, schedule: Schedule.spaced("20 millis") }),
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => "the refresh never came" }),
      )
    }),
  )
})
