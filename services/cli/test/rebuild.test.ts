import { AnalyticsWriter, ClickHouse, StatsQueries } from "@adflow/analytics"
import { Barrier, EventCodec, EventPublisher } from "@adflow/bus"
import {
  ClickLearning,
  Counters,
  ImpressionOutbox,
  Keys,
  RebuildFlag,
  RedisClient,
  StagingCounters,
} from "@adflow/counters"
import { type AdvertiserId, CampaignId, ClientId, Events, Money } from "@adflow/domain"
import { ProcessorConfig, ProcessorLive } from "@adflow/processor"
import { StoreLayer } from "@adflow/store"
import { TestEvents, TestSystem } from "@adflow/testkit"
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect, Either, Fiber, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { rebuild } from "../src/RebuildCommand.js"

// The processor runs in-process on the test namespace, as it would beside a rebuild in production.
const Live = Layer.mergeAll(
  ProcessorLive,
  ProcessorConfig.layer(),
  EventPublisher.Default,
  StatsQueries.Default,
  AnalyticsWriter.Default,
  Counters.layer,
  StagingCounters.layer,
  ClickLearning.layer,
  ImpressionOutbox.layer,
).pipe(Layer.provideMerge(StoreLayer), Layer.provideMerge(TestSystem.layer))

const settle = Effect.flatMap(Barrier.awaitApplied(["impression", "click", "score"], "60 seconds"), (ok) =>
  ok ? Effect.void : Effect.die("processor did not catch up"),
)

const scoreUpdate = (client: ClientId, advertiser: AdvertiserId, score: number, at: number) =>
  Events.ScoreUpdate.make({
    v: 1,
    event_id: Events.scoreId(client, advertiser, at),
    client_id: client,
    advertiser_id: advertiser,
    score,
    at,
  })

/** A round of traffic for each campaign: new clients shown the ad, a click on every third, a score each. */
const round = (campaigns: ReadonlyArray<TestEvents.SeededCampaign>, n: number, r: number) =>
  campaigns.flatMap((campaign, c) =>
    Array.from({ length: n }, (_, i) => {
      const client = randomUUID()
      const events: Array<Events.Event> = [
        TestEvents.impression(campaign, client, 0.25 + c * 0.1, 1 + (r % 3)),
      ]
      if (i % 3 === 0) events.push(TestEvents.click(campaign, client, 1.5, 1 + (r % 3)))
      events.push(scoreUpdate(ClientId.make(client), campaign.advertiserId, i + r, 1_700_000_000_000 + r))
      return events
    }).flat(),
  )

/** What the PostgreSQL ledger says of a campaign, in the shape of the counters. */
const ledgerOf = (campaignId: CampaignId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ i: number; c: number; si: string; sc: string }>`
      SELECT (SELECT count(*) FROM impressions WHERE campaign_id = ${campaignId})::int AS i,
             (SELECT count(*) FROM clicks WHERE campaign_id = ${campaignId})::int AS c,
             (SELECT coalesce(sum(cost_micros), 0) FROM impressions WHERE campaign_id = ${campaignId})::text AS si,
             (SELECT coalesce(sum(cost_micros), 0) FROM clicks WHERE campaign_id = ${campaignId})::text AS sc`
    return {
      impressions: row!.i,
      clicks: row!.c,
      spentImpressionsMicros: Number(row!.si),
      spentClicksMicros: Number(row!.sc),
    }
  })

const stagingKeys = Effect.flatMap(RedisClient, ({ redis, keyPrefix }) =>
  Effect.promise(() => redis.keys(`${Keys.escapeGlob(keyPrefix + StagingCounters.PREFIX)}*`)),
)

const stagingTableExists = Effect.flatMap(ClickHouse, ({ client, database }) =>
  Effect.promise(async () => {
    const result = await client.query({
      query: `EXISTS TABLE ${database}.events_rebuild`,
      format: "JSONEachRow",
    })
    const rows = (await result.json()) as ReadonlyArray<Record<string, unknown>>
    return String(Object.values(rows[0] ?? {})[0]) === "1"
  }),
)

/** Corrupts the live projections: an inflated total, a spurious seen member, an entity no event made, a spurious row. */
const corrupt = (campaigns: ReadonlyArray<TestEvents.SeededCampaign>) =>
  Effect.gen(function* () {
    const { redis } = yield* RedisClient
    const spurious = ClientId.make(randomUUID())
    const ghost = CampaignId.make(randomUUID())
    yield* Effect.promise(() =>
      Promise.all([
        redis.hincrby(Keys.totals(campaigns[0]!.campaignId), Keys.CounterField.impressions, 1000),
        redis.sadd(Keys.seen(campaigns[1]!.campaignId), spurious),
        redis.hset(Keys.totals(ghost), Keys.CounterField.impressions, 5),
      ]),
    )
    yield* (yield* AnalyticsWriter).insertEvents([TestEvents.impression(campaigns[2]!, randomUUID(), 100)])
    return { spurious, ghost }
  })

layer(Live, { excludeTestServices: true })("rebuild while serving", (it) => {
  it.effect(
    "with traffic flowing, the live counters never drop below what was applied, and end equal to the stream",
    () =>
      Effect.gen(function* () {
        const campaigns = yield* Effect.all(Array.from({ length: 4 }, () => TestEvents.seedCampaign))
        const publisher = yield* EventPublisher
        const counters = yield* Counters
        const stats = yield* StatsQueries
        const learning = yield* ClickLearning

        yield* publisher.publishAll(round(campaigns, 150, 0))
        yield* settle
        const { spurious, ghost } = yield* corrupt(campaigns)
        const learnedBefore = yield* learning.read

        // Impressions published per campaign, counted once their publish is acknowledged.
        const published = new Map(campaigns.map((c) => [c.campaignId, 150]))
        let rebuilding = true
        const traffic = Effect.gen(function* () {
          let r = 1
          while (rebuilding) {
            yield* publisher.publishAll(round(campaigns, 10, r++))
            for (const c of campaigns) published.set(c.campaignId, published.get(c.campaignId)! + 10)
            yield* Effect.sleep("200 millis")
          }
        })
        // Samples the live totals: never below the impressions the processor had applied before the sample.
        const sampler = Effect.gen(function* () {
          const violations: Array<string> = []
          let samples = 0
          while (rebuilding) {
            const applied = new Map(published)
            yield* settle
            for (const { campaignId } of campaigns) {
              const live = (yield* counters.campaignCounters(campaignId)).impressions
              if (live < applied.get(campaignId)!)
                violations.push(`${campaignId}: ${live} < ${applied.get(campaignId)}`)
            }
            samples++
          }
          return { violations, samples }
        })

        const trafficFiber = yield* Effect.fork(traffic)
        const samplerFiber = yield* Effect.fork(sampler)
        const result = yield* rebuild.pipe(Effect.ensuring(Effect.sync(() => (rebuilding = false))))
        yield* Fiber.join(trafficFiber)
        const { violations, samples } = yield* Fiber.join(samplerFiber)
        yield* settle

        assert.isAbove(samples, 0)
        assert.deepStrictEqual(violations, [])
        assert.isAtLeast(result.done, 4 * 150 * 2)
        for (const { campaignId } of campaigns) {
          const ledger = yield* ledgerOf(campaignId)
          assert.strictEqual(ledger.impressions, published.get(campaignId))
          assert.deepStrictEqual(yield* counters.campaignCounters(campaignId), ledger)
          const totals = yield* stats.campaignTotals(campaignId)
          assert.deepStrictEqual(totals, ledger)
        }
        assert.isFalse(yield* counters.hasSeen(campaigns[1]!.campaignId, spurious))
        assert.deepStrictEqual(yield* counters.campaignCounters(ghost), {
          impressions: 0,
          clicks: 0,
          spentImpressionsMicros: 0,
          spentClicksMicros: 0,
        })
        // Every client's scores are the latest the stream holds.
        const sql = yield* SqlClient.SqlClient
        const scored = yield* sql<{ client_id: ClientId; advertiser_id: AdvertiserId; score: number }>`
          SELECT client_id, advertiser_id, score FROM ml_scores
          WHERE advertiser_id IN ${sql.in(campaigns.map((c) => c.advertiserId))}`
        assert.isAbove(scored.length, 0)
        for (const { client_id, advertiser_id, score } of scored) {
          const view = yield* counters.readForRequest({
            clientId: client_id,
            advertiserIds: [advertiser_id],
            campaignIds: [],
          })
          assert.strictEqual(view.scores.get(advertiser_id), score)
        }
        assert.isNull(yield* RebuildFlag.holder)
        assert.deepStrictEqual(yield* stagingKeys, [])
        assert.isFalse(yield* stagingTableExists)
        // The learned click rates were left alone by the replay (live traffic went on teaching them).
        const learnedAfter = yield* learning.read
        const learned = (counts: typeof learnedBefore) =>
          counts.reduce((sum, b) => sum + (b?.impressions ?? 0), 0)
        assert.isAtLeast(learned(learnedAfter), learned(learnedBefore))
      }),
    { timeout: 180_000 },
  )

  it.effect(
    "a rebuild that fails before the swap leaves the live projections untouched and the flag cleared",
    () =>
      Effect.gen(function* () {
        const campaigns = yield* Effect.all(Array.from({ length: 3 }, () => TestEvents.seedCampaign))
        const publisher = yield* EventPublisher
        const counters = yield* Counters
        const stats = yield* StatsQueries
        yield* publisher.publishAll(round(campaigns, 100, 0))
        yield* settle
        yield* corrupt(campaigns)
        const snapshot = Effect.forEach(campaigns, ({ campaignId }) =>
          Effect.all([counters.campaignCounters(campaignId), stats.campaignTotals(campaignId)]),
        )
        const before = yield* snapshot

        // Losing the flag mid-way (as when a stalled rebuild's flag expires) must stop the swap.
        const { redis } = yield* RedisClient
        const fiber = yield* Effect.fork(rebuild)
        yield* RebuildFlag.holder.pipe(Effect.repeat({ until: (holder) => holder !== null }))
        yield* Effect.promise(() => redis.del(RebuildFlag.KEY))
        const failed = yield* Effect.either(Fiber.join(fiber))

        assert.isTrue(Either.isLeft(failed) && failed.left._tag === "RebuildFailed")
        assert.match(Either.isLeft(failed) ? failed.left.message : "", /before the swap.*flag expired/s)
        assert.deepStrictEqual(yield* snapshot, before)
        assert.isNull(yield* RebuildFlag.holder)
        assert.deepStrictEqual(yield* stagingKeys, [])
        assert.isFalse(yield* stagingTableExists)
      }),
  )

  it.effect(
    "an impression admitted but not yet published when the rebuild starts is published by it and stays counted",
    () =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const outbox = yield* ImpressionOutbox
        const stats = yield* StatsQueries
        const campaign = yield* TestEvents.seedCampaign
        // An API admitted it, then died before publishing (its relay would publish it 10 s later).
        const event = TestEvents.impression(campaign, randomUUID(), 0.5)
        const admission = yield* counters.admitImpression({
          campaignId: campaign.campaignId,
          clientId: event.client_id,
          impressionsLimit: 10,
          costMicros: Money.fromPrice(0.5),
          event: { json: EventCodec.encodeText(event), at: event.at, score: event.score },
        })
        assert.strictEqual(admission, "new")

        yield* rebuild
        yield* settle
        const counted = { impressions: 1, clicks: 0, spentImpressionsMicros: 500_000, spentClicksMicros: 0 }
        assert.deepStrictEqual(yield* counters.campaignCounters(campaign.campaignId), counted)
        assert.deepStrictEqual(yield* ledgerOf(campaign.campaignId), counted)
        assert.deepStrictEqual(yield* stats.campaignTotals(campaign.campaignId), counted)
        assert.strictEqual(yield* outbox.size, 0)
      }),
    { timeout: 120_000 },
  )

  it.effect("a second rebuild is refused while one holds the flag, changing nothing", () =>
    Effect.gen(function* () {
      const id = randomUUID()
      assert.isTrue(yield* RebuildFlag.acquire(id))
      const refused = yield* Effect.either(rebuild)
      yield* RebuildFlag.release(id)
      assert.isTrue(Either.isLeft(refused) && refused.left._tag === "RebuildFailed")
      assert.match(
        Either.isLeft(refused) ? refused.left.message : "",
        new RegExp(`another rebuild \\(${id}\\)`),
      )
    }),
  )
})
