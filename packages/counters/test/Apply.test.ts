import { Counters, Keys, RedisClient } from "@adflow/counters"
import type { CampaignId, ClientId, Events } from "@adflow/domain"
import { Money } from "@adflow/domain"
import { assert, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { campaignId, click, clientId, impression, layer } from "./fixtures.js"

it.layer(layer)("applyImpressions and applyClicks", (it) => {
  it.effect("counts and charges each impression once, however often it is applied", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const [a, b] = [clientId(), clientId()]
      const batch = [
        impression(campaign, a, 1.25),
        impression(campaign, b, 0.1),
        impression(campaign, a, 1.25),
      ]
      assert.deepStrictEqual(yield* counters.applyImpressions(batch), ["applied", "applied", "duplicate"])
      assert.deepStrictEqual(yield* counters.applyImpressions(batch), ["duplicate", "duplicate", "duplicate"])
      assert.deepStrictEqual(yield* counters.campaignCounters(campaign), {
        impressions: 2,
        clicks: 0,
        spentImpressionsMicros: 1_350_000,
        spentClicksMicros: 0,
      })
      assert.isTrue(yield* counters.hasSeen(campaign, a))
      assert.isTrue(yield* counters.hasSeen(campaign, b))
    }),
  )

  it.effect("counts and charges each click once, only for a client who saw the campaign", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const [viewer, stranger] = [clientId(), clientId()]
      yield* counters.applyImpressions([impression(campaign, viewer)])
      const batch = [
        click(campaign, viewer, 2.25),
        click(campaign, stranger, 2.25),
        click(campaign, viewer, 2.25),
      ]
      assert.deepStrictEqual(yield* counters.applyClicks(batch), ["applied", "not_seen", "duplicate"])
      assert.deepStrictEqual(yield* counters.applyClicks(batch), ["duplicate", "not_seen", "duplicate"])
      const totals = yield* counters.campaignCounters(campaign)
      assert.strictEqual(totals.clicks, 1)
      assert.strictEqual(totals.spentClicksMicros, 2_250_000)
      assert.isFalse(yield* counters.hasSeen(campaign, stranger))
    }),
  )

  it.effect("a click before its impression changes nothing, and counts once the impression is applied", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const client = clientId()
      assert.deepStrictEqual(yield* counters.applyClicks([click(campaign, client)]), ["not_seen"])
      assert.deepStrictEqual(yield* counters.campaignCounters(campaign), {
        impressions: 0,
        clicks: 0,
        spentImpressionsMicros: 0,
        spentClicksMicros: 0,
      })
      yield* counters.applyImpressions([impression(campaign, client)])
      assert.deepStrictEqual(yield* counters.applyClicks([click(campaign, client)]), ["applied"])
      assert.strictEqual((yield* counters.campaignCounters(campaign)).clicks, 1)
    }),
  )

  it.effect("events of several campaigns in one batch land on their own campaign", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const [x, y] = [campaignId(), campaignId()]
      const client = clientId()
      yield* counters.applyImpressions([
        impression(x, client, 1),
        impression(y, client, 3),
        impression(y, clientId(), 3),
      ])
      yield* counters.applyClicks([click(y, client, 5)])
      assert.deepStrictEqual(yield* counters.campaignCounters(x), {
        impressions: 1,
        clicks: 0,
        spentImpressionsMicros: 1_000_000,
        spentClicksMicros: 0,
      })
      assert.deepStrictEqual(yield* counters.campaignCounters(y), {
        impressions: 2,
        clicks: 1,
        spentImpressionsMicros: 6_000_000,
        spentClicksMicros: 5_000_000,
      })
    }),
  )

  it.effect("an empty batch answers at once with no outcomes", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      assert.deepStrictEqual(yield* counters.applyImpressions([]), [])
      assert.deepStrictEqual(yield* counters.applyClicks([]), [])
      assert.deepStrictEqual(yield* counters.applyScores([]), [])
    }),
  )

  it.effect("sums prices exactly in micro-units (no floating drift)", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      // 0.1 added 1000 times in floating point is not 100; in micro-units it is exactly 100_000_000.
      yield* counters.applyImpressions(
        Array.from({ length: 1000 }, () => impression(campaign, clientId(), 0.1)),
      )
      assert.strictEqual((yield* counters.campaignCounters(campaign)).spentImpressionsMicros, 100_000_000)
    }),
  )

  // The scripts sum a batch's spend per campaign in Lua, whose numbers are doubles: sums near and
  // past 2^53 micros, and single costs of 16 digits, must still land exactly.
  it.effect("sums large spends exactly, past what a double holds", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const { redis } = yield* RedisClient
      const campaign = campaignId()
      // 4e14 micros each (their sum passes 10^15 within the batch), then the largest price, 10^15
      // micros (16 digits), nine times, then one micro: 11 × 10^15 + 1 in all, past 2^53.
      const prices = [
        ...Array.from({ length: 5 }, () => 4e8),
        ...Array.from({ length: 9 }, () => 1e9),
        0.000_001,
      ]
      const viewers = prices.map(() => clientId())
      const events = viewers.map((viewer, i) => impression(campaign, viewer, prices[i]!))
      yield* counters.applyImpressions(events)
      yield* counters.applyClicks(viewers.map((viewer, i) => click(campaign, viewer, prices[i]!)))
      const expected = events.reduce((sum, e) => sum + BigInt(Money.fromPrice(e.cost)), 0n).toString()
      assert.strictEqual(expected, "11000000000000001")
      const totals = yield* Effect.promise(() => redis.hgetall(Keys.totals(campaign)))
      assert.deepStrictEqual(totals, {
        [Keys.CounterField.impressions]: "15",
        [Keys.CounterField.spentImpressionsMicros]: expected,
        [Keys.CounterField.clicks]: "15",
        [Keys.CounterField.spentClicksMicros]: expected,
      })
    }),
  )

  it.effect("a batch larger than one script call keeps one outcome per event, in order", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      // 1,200 events: three script calls of at most 500; the repeats sit across the chunk boundaries.
      const clients = Array.from({ length: 1000 }, () => clientId())
      const events = [...clients, ...clients.slice(300, 500)].map((c) => impression(campaign, c, 0.5))
      const outcomes = yield* counters.applyImpressions(events)
      assert.deepStrictEqual(outcomes, [
        ...Array.from({ length: 1000 }, () => "applied" as const),
        ...Array.from({ length: 200 }, () => "duplicate" as const),
      ])
      const clicks = [...clients.slice(0, 600), clientId(), ...clients.slice(0, 10)].map((c) =>
        click(campaign, c),
      )
      assert.deepStrictEqual(yield* counters.applyClicks(clicks), [
        ...Array.from({ length: 600 }, () => "applied" as const),
        "not_seen" as const,
        ...Array.from({ length: 10 }, () => "duplicate" as const),
      ])
      const totals = yield* counters.campaignCounters(campaign)
      assert.strictEqual(totals.impressions, 1000)
      assert.strictEqual(totals.spentImpressionsMicros, 500_000_000)
      assert.strictEqual(totals.clicks, 600)
    }),
  )

  // Any interleaving of impressions and clicks, with duplicates, applied in batches: the totals
  // equal those of the distinct events, a click counting only if its impression came before it.
  const step = fc.record({
    kind: fc.constantFrom("impression" as const, "click" as const),
    campaign: fc.nat({ max: 1 }),
    client: fc.nat({ max: 4 }),
  })
  const scenario = fc.record({
    steps: fc.array(step, { maxLength: 40 }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
  })

  it.effect.prop(
    "final counters equal the counts of distinct events under duplicates and reordering",
    [scenario],
    ([{ batchSizes, steps }]) =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const campaigns = [campaignId(), campaignId()]
        const clients = Array.from({ length: 5 }, () => clientId())
        // Prices depend only on the event's identity, as with deterministic event ids.
        const impressionCost = (c: number, k: number) => 0.01 * (1 + c + 2 * k)
        const clickCost = (c: number, k: number) => 0.5 + 0.03 * (c + k)

        const seen = new Set<string>()
        const clicked = new Set<string>()
        const expected = campaigns.map(() => ({ impressions: 0, clicks: 0, impMicros: 0, clkMicros: 0 }))
        for (const { campaign: c, client: k, kind } of steps) {
          const key = `${c}:${k}`
          if (kind === "impression" && !seen.has(key)) {
            seen.add(key)
            expected[c]!.impressions += 1
            expected[c]!.impMicros += Money.fromPrice(impressionCost(c, k))
          }
          if (kind === "click" && seen.has(key) && !clicked.has(key)) {
            clicked.add(key)
            expected[c]!.clicks += 1
            expected[c]!.clkMicros += Money.fromPrice(clickCost(c, k))
          }
        }

        // Cut the sequence into batches of the given sizes, each batch split into runs of one kind.
        let position = 0
        let size = 0
        while (position < steps.length) {
          const batch = steps.slice(position, position + batchSizes[size++ % batchSizes.length]!)
          position += batch.length
          let run = 0
          while (run < batch.length) {
            const kind = batch[run]!.kind
            let end = run
            while (end < batch.length && batch[end]!.kind === kind) end++
            const events = batch.slice(run, end)
            const at = (s: (typeof events)[number]): [CampaignId, ClientId] => [
              campaigns[s.campaign]!,
              clients[s.client]!,
            ]
            if (kind === "impression") {
              yield* counters.applyImpressions(
                events.map((s): Events.Impression =>
                  impression(...at(s), impressionCost(s.campaign, s.client)),
                ),
              )
            } else {
              yield* counters.applyClicks(events.map((s) => click(...at(s), clickCost(s.campaign, s.client))))
            }
            run = end
          }
        }

        for (const [i, campaign] of campaigns.entries()) {
          assert.deepStrictEqual(yield* counters.campaignCounters(campaign), {
            impressions: expected[i]!.impressions,
            clicks: expected[i]!.clicks,
            spentImpressionsMicros: expected[i]!.impMicros,
            spentClicksMicros: expected[i]!.clkMicros,
          })
        }
      }),
    { fastCheck: { numRuns: 60 } },
  )
})
