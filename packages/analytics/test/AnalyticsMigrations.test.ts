import {
  AnalyticsError,
  AnalyticsMigrations,
  AnalyticsWriter,
  ClickHouse,
  StatsQueries,
} from "@adflow/analytics"
import { StackUrls, TestClickHouse, TestNamespace } from "@adflow/testkit"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { impression, placement } from "./fixtures.js"

const tablesOf = (database: string) =>
  Effect.gen(function* () {
    const { client } = yield* ClickHouse
    const result = yield* Effect.promise(() =>
      client.query({
        // The database name is a test namespace ([a-z0-9_]), not input.
        query: `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
        format: "JSONEachRow",
      }),
    )
    const rows = yield* Effect.promise(() => result.json<{ name: string }>())
    return rows.map((row) => row.name)
  })

// A ClickHouse client on another database of this namespace, dropped afterwards.
const otherDatabase = (database: string) =>
  Layer.scoped(
    ClickHouse,
    Effect.gen(function* () {
      const urls = yield* StackUrls
      const ch = yield* ClickHouse.make({ url: urls.clickhouse, database })
      yield* Effect.addFinalizer(() =>
        Effect.promise(() => ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` })).pipe(
          Effect.ignore,
        ),
      )
      return ch
    }),
  )

it.layer(TestClickHouse.layer.pipe(Layer.provideMerge(TestNamespace.layer)))("AnalyticsMigrations", (it) => {
  it.effect("applies every migration once, then nothing on later runs", () =>
    Effect.gen(function* () {
      const { database } = yield* ClickHouse
      assert.deepStrictEqual(yield* AnalyticsMigrations.run, [1])
      assert.deepStrictEqual(yield* AnalyticsMigrations.run, [])
      assert.deepStrictEqual(yield* AnalyticsMigrations.run, [])
      assert.deepStrictEqual(yield* tablesOf(database), ["events", "schema_migrations"])
    }),
  )

  it.effect("concurrent runs leave the schema correct", () =>
    Effect.gen(function* () {
      const { id } = yield* TestNamespace
      const database = `${id}_race`
      const [tables, again] = yield* Effect.gen(function* () {
        yield* Effect.all([AnalyticsMigrations.run, AnalyticsMigrations.run, AnalyticsMigrations.run], {
          concurrency: "unbounded",
        })
        return [yield* tablesOf(database), yield* AnalyticsMigrations.run] as const
      }).pipe(Effect.provide(otherDatabase(database)))
      assert.deepStrictEqual(tables, ["events", "schema_migrations"])
      assert.deepStrictEqual(again, [])
    }),
  )

  it.effect("creates the database when it is missing", () =>
    Effect.gen(function* () {
      const { id } = yield* TestNamespace
      const database = `${id}_fresh`
      const tables = yield* Effect.gen(function* () {
        assert.deepStrictEqual(yield* AnalyticsMigrations.run, [1])
        return yield* tablesOf(database)
      }).pipe(Effect.provide(otherDatabase(database)))
      assert.deepStrictEqual(tables, ["events", "schema_migrations"])
    }),
  )

  it.effect("refuses a database name outside the identifier grammar", () =>
    Effect.gen(function* () {
      const urls = yield* StackUrls
      const error = yield* AnalyticsMigrations.run.pipe(
        Effect.provide(
          Layer.scoped(ClickHouse, ClickHouse.make({ url: urls.clickhouse, database: "x; DROP" })),
        ),
        Effect.flip,
      )
      assert.instanceOf(error, AnalyticsError)
    }),
  )

  it.effect("without the schema, writes and reads fail with AnalyticsError", () =>
    Effect.gen(function* () {
      const { id } = yield* TestNamespace
      const errors = yield* Effect.gen(function* () {
        const writer = yield* AnalyticsWriter
        const stats = yield* StatsQueries
        const at = placement()
        // An empty batch sends nothing, so it succeeds even here.
        yield* writer.insertEvents([])
        return [
          yield* Effect.flip(writer.insertEvents([impression(at)])),
          yield* Effect.flip(stats.campaignTotals(at.campaign)),
          yield* Effect.flip(stats.advertiserDaily(at.advertiser)),
          yield* Effect.flip(writer.truncate()),
        ]
      }).pipe(
        Effect.provide(
          Layer.mergeAll(AnalyticsWriter.Default, StatsQueries.Default).pipe(
            Layer.provide(otherDatabase(`${id}_missing`)),
          ),
        ),
      )
      assert.deepStrictEqual(
        errors.map((error) => [error._tag, error.operation]),
        [
          ["AnalyticsError", "insertEvents"],
          ["AnalyticsError", "campaignTotals"],
          ["AnalyticsError", "advertiserDaily"],
          ["AnalyticsError", "truncate"],
        ],
      )
    }),
  )
})
