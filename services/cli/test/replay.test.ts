import { AnalyticsWriter, StatsQueries } from "@adflow/analytics"
import { Barrier, DeadLetter, EventPublisher, NatsClient, Topology } from "@adflow/bus"
import { ClickLearning, Counters, ImpressionOutbox } from "@adflow/counters"
import { AdvertiserId, CampaignId, ClientId, Day, Events, Money } from "@adflow/domain"
import { ProcessorConfig, ProcessorLive, ProcessorServices, Replay } from "@adflow/processor"
import { AdvertiserRepo, CampaignRepo, StoreLayer } from "@adflow/store"
import { TestSystem } from "@adflow/testkit"
import { SqlClient } from "@effect/sql"
import { assert, it, layer } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { rebuild } from "../src/RebuildCommand.js"
import { parseRange } from "../src/ReplayCommand.js"

const Live = Layer.mergeAll(
  ProcessorLive,
  ProcessorServices.pipe(Layer.provideMerge(ProcessorConfig.layer())),
  EventPublisher.Default,
  StatsQueries.Default,
  AnalyticsWriter.Default,
  Counters.layer,
  ClickLearning.layer,
  ImpressionOutbox.layer,
).pipe(Layer.provideMerge(StoreLayer), Layer.provideMerge(TestSystem.layer))

const seedCampaigns = (n: number) =>
  Effect.gen(function* () {
    const advertiserId = AdvertiserId.make(randomUUID())
    yield* (yield* AdvertiserRepo).upsertMany([{ advertiser_id: advertiserId, name: "Replay Inc" }])
    const repo = yield* CampaignRepo
    return yield* Effect.forEach(Array.from({ length: n }), () => {
      const campaignId = CampaignId.make(randomUUID())
      return repo
        .insert({
          campaign_id: campaignId,
          advertiser_id: advertiserId,
          impressions_limit: 1000,
          clicks_limit: 1000,
          cost_per_impression_micros: Money.fromPrice(1),
          cost_per_click_micros: Money.fromPrice(2),
          ad_title: "t",
          ad_text: "x",
          start_date: Day.make(0),
          end_date: Day.make(10),
          gender: null,
          age_from: null,
          age_to: null,
          location: null,
        })
        .pipe(Effect.as({ campaignId, advertiserId }))
    })
  })

const history = (campaigns: ReadonlyArray<{ campaignId: CampaignId; advertiserId: AdvertiserId }>) =>
  campaigns.flatMap(({ campaignId, advertiserId }, c) =>
    Array.from({ length: 40 }, (_, i) => {
      const client_id = ClientId.make(randomUUID())
      const base = {
        v: 1 as const,
        campaign_id: campaignId,
        advertiser_id: advertiserId,
        client_id,
        day: Day.make(1 + (i % 3)),
        at: 1_700_000_000_000 + i,
      }
      const impression = Events.Impression.make({
        ...base,
        event_id: Events.impressionId(campaignId, client_id),
        cost: 0.25 + c * 0.01,
        score: i,
      })
      const click = Events.Click.make({
        ...base,
        event_id: Events.clickId(campaignId, client_id),
        cost: 1.75,
        score: i,
      })
      return i % 4 === 0 ? [impression, click] : [impression]
    }).flat(),
  )

const snapshot = (campaigns: ReadonlyArray<{ campaignId: CampaignId; advertiserId: AdvertiserId }>) =>
  Effect.gen(function* () {
    const counters = yield* Counters
    const stats = yield* StatsQueries
    const sql = yield* SqlClient.SqlClient
    const perCampaign = yield* Effect.forEach(campaigns, ({ campaignId }) =>
      Effect.all({
        counters: counters.campaignCounters(campaignId),
        totals: stats.campaignTotals(campaignId),
        daily: stats.campaignDaily(campaignId),
      }),
    )
    const ledger =
      yield* sql`SELECT (SELECT count(*) FROM impressions)::int AS i, (SELECT count(*) FROM clicks)::int AS c, (SELECT sum(cost_micros) FROM impressions)::text AS s`
    const learned = yield* (yield* ClickLearning).read
    const deadLetters = (yield* DeadLetter.list).length
    return { perCampaign, ledger, learned, deadLetters }
  })

const settle = Effect.flatMap(Barrier.awaitApplied(["impression", "click", "score"], "60 seconds"), (ok) =>
  ok ? Effect.void : Effect.die("processor did not catch up"),
)

layer(Live, { excludeTestServices: true })("replay and rebuild", (it) => {
  it.effect(
    "replaying everything, then rebuilding from scratch, leaves every count, sum and row as it was",
    () =>
      Effect.gen(function* () {
        const campaigns = yield* seedCampaigns(5)
        const publisher = yield* EventPublisher
        yield* publisher.publishAll(history(campaigns))
        yield* publisher.publishBytes(
          publisher.topology.eventSubject("impression"),
          new TextEncoder().encode("not json"),
        )
        yield* settle
        const before = yield* snapshot(campaigns)
        assert.strictEqual(before.ledger[0]!.i, 200)
        assert.strictEqual(before.deadLetters, 1)

        const replayed = yield* Replay.run({})
        assert.strictEqual(replayed.done, replayed.total)
        assert.deepStrictEqual(yield* snapshot(campaigns), before)

        const rebuilt = yield* rebuild
        assert.strictEqual(rebuilt.done, 251)
        assert.deepStrictEqual(yield* snapshot(campaigns), before)
      }),
  )

  it.effect("replays only the range asked for", () =>
    Effect.gen(function* () {
      const campaigns = yield* seedCampaigns(1)
      const publisher = yield* EventPublisher
      const acks = yield* publisher.publishAll(history(campaigns))
      yield* settle
      const result = yield* Replay.run({ fromSeq: acks[5]!.seq, untilSeq: acks[14]!.seq })
      assert.deepStrictEqual(result, { done: 10, total: 10 })
    }),
  )

  it.effect("a replay in many small chunks reports its progress in stream order and changes nothing", () =>
    Effect.gen(function* () {
      const campaigns = yield* seedCampaigns(2)
      yield* (yield* EventPublisher).publishAll(history(campaigns))
      yield* settle
      const before = yield* snapshot(campaigns)
      const progress: Array<Replay.ReplayProgress> = []
      // Chunks of 2 lanes × 3 events: a chunk's rows are written while the next one is counted.
      const result = yield* Replay.run({}, (p) => Effect.sync(() => progress.push(p))).pipe(
        Effect.provideService(ProcessorConfig, { ...ProcessorConfig.defaults, lanes: 2, batchSize: 3 }),
      )
      assert.strictEqual(result.done, result.total)
      assert.strictEqual(progress.length, Math.ceil(result.total / 6))
      progress.forEach((p, i) => {
        assert.strictEqual(p.done, Math.min(result.total, 6 * (i + 1)))
        if (i > 0) assert.isAbove(p.lastSeq, progress[i - 1]!.lastSeq)
      })
      assert.deepStrictEqual(yield* snapshot(campaigns), before)
    }),
  )

  it.effect("refuses to rebuild, changing nothing, when the stream has lost the start of its history", () =>
    Effect.gen(function* () {
      const campaigns = yield* seedCampaigns(1)
      const publisher = yield* EventPublisher
      yield* publisher.publishAll(history(campaigns))
      yield* settle
      const before = yield* snapshot(campaigns)
      const { manager, prefix } = yield* NatsClient
      yield* Effect.promise(() => manager.streams.purge(Topology.make(prefix).eventsStream, { seq: 3 }))
      const refused = yield* Effect.either(rebuild)
      assert.isTrue(Either.isLeft(refused) && refused.left._tag === "IncompleteHistory")
      assert.match(Either.isLeft(refused) ? refused.left.message : "", /starts at sequence 3/)
      assert.deepStrictEqual(yield* snapshot(campaigns), before)
    }),
  )
})

it.effect("replay's options are checked before anything runs", () =>
  Effect.gen(function* () {
    const error = (args: Array<string>) => Effect.flip(parseRange(args)).pipe(Effect.map((e) => e.message))
    assert.match(yield* error(["--from-seq", "3", "--since", "2026-01-01T00:00:00Z"]), /not both/)
    assert.match(yield* error(["--from-seq", "-1"]), /non-negative integer/)
    assert.match(yield* error(["--since", "yesterday"]), /ISO time/)
    assert.match(yield* error(["--from-seq", "9", "--until-seq", "3"]), /below/)
    assert.match(yield* error(["--bogus"]), /unknown option/)
    assert.deepStrictEqual(yield* parseRange(["--from-seq", "2", "--until-seq=7"]), {
      fromSeq: 2,
      since: undefined,
      untilSeq: 7,
    })
  }),
)
