import {
  AnalyticsMigrations,
  AnalyticsWriter,
  ClickHouse,
  isUnknownTable,
  StagingEvents,
  StatsQueries,
} from "@adflow/analytics"
import type { Events } from "@adflow/domain"
import { TestClickHouse, TestNamespace } from "@adflow/testkit"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { click, expectedTotals, impression, placement } from "./fixtures.js"

const Analytics = Layer.mergeAll(
  AnalyticsWriter.Default,
  StatsQueries.Default,
  StagingEvents.Default,
  AnalyticsMigrations.layer,
).pipe(Layer.provideMerge(TestClickHouse.layer), Layer.provideMerge(TestNamespace.layer))

const tableExists = (name: string) =>
  Effect.flatMap(ClickHouse, ({ client, database }) =>
    Effect.promise(async () => {
      const result = await client.query({
        query: `EXISTS TABLE ${database}.${name}`,
        format: "JSONEachRow",
      })
      const rows = (await result.json()) as ReadonlyArray<Record<string, unknown>>
      return Object.values(rows[0] ?? {})[0] === 1 || Object.values(rows[0] ?? {})[0] === "1"
    }),
  )

layer(Analytics, { excludeTestServices: true })("the rebuild's staging events table", (it) => {
  it.effect("staging replaces events in one swap; statistics read the rebuilt table after it", () =>
    Effect.gen(function* () {
      const live = yield* AnalyticsWriter
      const staging = yield* StagingEvents
      const stats = yield* StatsQueries
      const at = placement()
      const truth: Array<Events.Impression | Events.Click> = [
        impression(at, { day: 2 }),
        impression(at, { day: 3, cost: 1 }),
      ]
      const shown = truth[0]!
      truth.push(click(at, { client: shown.client_id, day: 2 }))
      // Live holds a spurious event and lacks one.
      yield* live.insertEvents([truth[0]!, impression(at, { cost: 9 })])

      yield* staging.prepare
      yield* staging.insertEvents(truth)
      assert.deepStrictEqual(
        yield* stats.campaignTotals(at.campaign),
        expectedTotals([truth[0]!, impression(at, { cost: 9 })]),
      )
      yield* staging.swap

      assert.deepStrictEqual(yield* stats.campaignTotals(at.campaign), expectedTotals(truth))
      assert.deepStrictEqual(
        (yield* stats.campaignDaily(at.campaign)).map((row) => [row.day, row.impressions, row.clicks]),
        [
          [2, 1, 1],
          [3, 1, 0],
        ],
      )
      assert.isFalse(yield* tableExists("events_rebuild"))
      assert.isFalse(yield* tableExists("events_old"))
      // After the swap the mirror's staging insert finds no table, which it ignores.
      yield* staging.insertEvents([impression(at)])
      // The live writer writes the swapped-in table.
      const later = impression(at)
      yield* live.insertEvents([later])
      assert.deepStrictEqual(yield* stats.campaignTotals(at.campaign), expectedTotals([...truth, later]))
    }),
  )

  it.effect("prepare drops a leftover staging table; drop removes it", () =>
    Effect.gen(function* () {
      const staging = yield* StagingEvents
      const stats = yield* StatsQueries
      const at = placement()
      yield* staging.prepare
      yield* staging.insertEvents([impression(at)])
      yield* staging.prepare
      yield* staging.swap
      assert.strictEqual((yield* stats.campaignTotals(at.campaign)).impressions, 0)
      yield* staging.prepare
      yield* staging.drop
      assert.isFalse(yield* tableExists("events_rebuild"))
    }),
  )

  it.effect("statistics queries never fail while the table is being swapped", () =>
    Effect.gen(function* () {
      const staging = yield* StagingEvents
      const stats = yield* StatsQueries
      const at = placement()
      let swapping = true
      const reads = Effect.gen(function* () {
        let n = 0
        while (swapping) {
          yield* stats.campaignTotals(at.campaign)
          n++
        }
        return n
      })
      const swaps = Effect.gen(function* () {
        for (let i = 0; i < 30; i++) {
          yield* staging.prepare
          yield* staging.swap
        }
        swapping = false
      })
      const [counts] = yield* Effect.all([Effect.all([reads, reads, reads], { concurrency: 3 }), swaps], {
        concurrency: 2,
      })
      assert.isTrue(counts.every((n) => n > 0))
    }),
  )

  it.effect("an insert into a missing table is recognised as UNKNOWN_TABLE, other errors are not", () =>
    Effect.gen(function* () {
      const { client, database } = yield* ClickHouse
      const error = (query: string) =>
        Effect.flip(Effect.tryPromise(() => client.query({ query }).then((r) => r.text())))
      const missing = yield* error(`SELECT 1 FROM ${database}.no_such_table`)
      assert.isTrue(isUnknownTable(missing.error))
      const syntax = yield* error(`SELEC 1`)
      assert.isFalse(isUnknownTable(syntax.error))
    }),
  )
})
