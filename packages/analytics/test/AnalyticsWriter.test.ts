import { AnalyticsMigrations, AnalyticsWriter, ClickHouse, StatsQueries } from "@adflow/analytics"
import { TestClickHouse, TestNamespace } from "@adflow/testkit"
import { assert, it } from "@effect/vitest"
import { Events } from "@adflow/domain"
import { Effect, Layer } from "effect"
import { click, eventRow, expectedTotals, impression, placement } from "./fixtures.js"

// A file of its own: truncate empties the whole table, and the part count below needs a fresh one.
const layer = Layer.mergeAll(AnalyticsWriter.Default, StatsQueries.Default, AnalyticsMigrations.layer).pipe(
  Layer.provideMerge(TestClickHouse.layer),
  Layer.provideMerge(TestNamespace.layer),
)

const activeParts = Effect.gen(function* () {
  const { client, database } = yield* ClickHouse
  const result = yield* Effect.promise(() =>
    client.query({
      // The database name is a test namespace ([a-z0-9_]), not input.
      query: `SELECT toString(count()) AS parts FROM system.parts WHERE database = '${database}' AND table = 'events' AND active`,
      format: "JSONEachRow",
    }),
  )
  const [row] = yield* Effect.promise(() => result.json<{ parts: string }>())
  return Number(row?.parts)
})

it.layer(layer)("AnalyticsWriter batches and truncate", (it) => {
  it.effect("writes 20k events in one INSERT and counts them exactly", () =>
    Effect.gen(function* () {
      const writer = yield* AnalyticsWriter
      const stats = yield* StatsQueries
      const at = placement()
      const shown = Array.from({ length: 15_000 }, (_, i) =>
        impression(at, { cost: (i % 1000) / 1000, day: i % 7 }),
      )
      const clicked = shown
        .slice(0, 5_000)
        .map((event) => click(at, { client: event.client_id, cost: 0.123456 }))
      const batch = [...shown, ...clicked]
      yield* writer.insertEvents(batch)
      // One INSERT of fewer rows than max_insert_block_size makes exactly one part.
      assert.strictEqual(yield* activeParts, 1)
      assert.deepStrictEqual(yield* stats.campaignTotals(at.campaign), expectedTotals(batch))
      const daily = yield* stats.campaignDaily(at.campaign)
      assert.deepStrictEqual(
        daily.map((row) => row.day),
        [0, 1, 2, 3, 4, 5, 6],
      )
      assert.strictEqual(
        daily.reduce((sum, row) => sum + row.impressions + row.clicks, 0),
        20_000,
      )
    }),
  )

  it.effect("truncate empties the events, and writing works again afterwards", () =>
    Effect.gen(function* () {
      const writer = yield* AnalyticsWriter
      const stats = yield* StatsQueries
      const at = placement()
      const events = [impression(at, { cost: 1 }), impression(at, { cost: 2 })]
      yield* writer.insertEvents(events)
      yield* writer.truncate()
      assert.strictEqual(yield* activeParts, 0)
      assert.deepStrictEqual(yield* stats.campaignTotals(at.campaign), {
        impressions: 0,
        clicks: 0,
        spentImpressionsMicros: 0,
        spentClicksMicros: 0,
      } as unknown)
      yield* writer.truncate()
      yield* writer.insertEvents(events)
      assert.deepStrictEqual(yield* stats.campaignTotals(at.campaign), expectedTotals(events))
    }),
  )
})

it.layer(layer)("AnalyticsWriter rows", (it) => {
  it.effect(
    "writes awkward event ids (tabs, newlines, backslashes, \\N, NUL, Unicode) and every column exactly as given",
    () =>
      Effect.gen(function* () {
        const writer = yield* AnalyticsWriter
        const { client, database } = yield* ClickHouse
        const at = placement()
        const awkward = [
          "tab\there",
          "new\nline",
          "cr\rlf\r\n",
          "back\\slash",
          "\\N",
          "\\",
          "end\\",
          "\\t not a tab",
          "nul\0byte",
          "bell\b form\f",
          "quotes ' \" `",
          "ünïcødé 🎉 — 中文",
          "",
        ]
        const events = awkward.flatMap((event_id, i) => [
          Events.Impression.make({ ...impression(at, { cost: i / 7, score: i, day: i }), event_id }),
          Events.Click.make({ ...click(at, { cost: i + 0.000001, day: i }), event_id: `${event_id}|click` }),
        ])
        yield* writer.insertEvents(events)
        const result = yield* Effect.promise(() =>
          client.query({
            // The database name is a test namespace ([a-z0-9_]) and the campaign a generated uuid.
            query: `SELECT event_id, toString(kind) AS kind, campaign_id, advertiser_id, client_id, day,
                    toString(cost_micros) AS cost_micros, score, toString(at) AS at
                  FROM ${database}.events WHERE campaign_id = '${at.campaign}' ORDER BY event_id`,
            format: "JSONEachRow",
          }),
        )
        const rows = yield* Effect.promise(() => result.json<Record<string, string | number>>())
        const byId = (a: { event_id: string }, b: { event_id: string }) =>
          a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0
        assert.deepStrictEqual(
          rows
            .map((row) => ({
              ...row,
              day: Number(row.day),
              cost_micros: Number(row.cost_micros),
              score: Number(row.score),
              at: Number(row.at),
            }))
            .sort(byId as never),
          events.map(eventRow).sort(byId),
        )
      }),
  )
})
