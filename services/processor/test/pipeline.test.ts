import { StatsQueries } from "@adflow/analytics"
import { Barrier, DeadLetter, EventCodec, EventPublisher, NatsClient } from "@adflow/bus"
import { Counters } from "@adflow/counters"
import { ProcessorLive, ProcessorMetrics } from "@adflow/processor"
import { MlScoreStore, StoreLayer } from "@adflow/store"
import { TestSystem, TestEvents } from "@adflow/testkit"
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import { randomUUID } from "node:crypto"

const Live = Layer.mergeAll(ProcessorLive, EventPublisher.Default, StatsQueries.Default, Counters.layer).pipe(
  Layer.provideMerge(StoreLayer),
  Layer.provideMerge(TestSystem.layer),
)

const applied = (timeout: Duration.DurationInput = "60 seconds") =>
  Effect.flatMap(Barrier.awaitApplied(["impression", "click", "score"], timeout), (done) =>
    done ? Effect.void : Effect.die("the processor did not catch up in time"),
  )

const ledgerCounts = (campaignId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ impressions: string; clicks: string; spent: string }>`
      SELECT (SELECT count(*) FROM impressions WHERE campaign_id = ${campaignId}) AS impressions,
             (SELECT count(*) FROM clicks WHERE campaign_id = ${campaignId}) AS clicks,
             (SELECT coalesce(sum(cost_micros), 0) FROM impressions WHERE campaign_id = ${campaignId}) +
             (SELECT coalesce(sum(cost_micros), 0) FROM clicks WHERE campaign_id = ${campaignId}) AS spent`
    return { impressions: Number(row!.impressions), clicks: Number(row!.clicks), spent: Number(row!.spent) }
  })

// Real time: the processor batches by time and redeliveries wait on the clock.
layer(Live, { excludeTestServices: true })("processor pipeline", (it) => {
  it.effect(
    "applies every event exactly once despite duplicate publishes, redeliveries and clicks that arrive first",
    () =>
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const campaign = yield* TestEvents.seedCampaign
        const viewers = TestEvents.clients(300)
        const clickers = viewers.slice(0, 60)

        // Some clicks before their impressions: the processor must wait for the impression, not drop the click.
        yield* publisher.publishAll(clickers.slice(0, 10).map((c) => TestEvents.click(campaign, c)))
        yield* publisher.publishAll(viewers.map((c) => TestEvents.impression(campaign, c)))
        // The same events again: deduplicated by JetStream (same Nats-Msg-Id)...
        yield* publisher.publishAll(viewers.slice(0, 100).map((c) => TestEvents.impression(campaign, c)))
        // ...and again without an id, as a producer outside the dedup window would: deduplicated downstream.
        const subject = publisher.topology.eventSubject("impression")
        yield* Effect.forEach(viewers.slice(100, 150), (c) =>
          publisher.publishBytes(subject, EventCodec.encode(TestEvents.impression(campaign, c))),
        )
        yield* publisher.publishAll(clickers.map((c) => TestEvents.click(campaign, c)))
        yield* Effect.forEach(clickers.slice(0, 20), (c) =>
          publisher.publishBytes(
            publisher.topology.eventSubject("click"),
            EventCodec.encode(TestEvents.click(campaign, c)),
          ),
        )
        yield* applied()

        const expectedSpent = 300 * 500_000 + 60 * 2_000_000
        const counters = yield* (yield* Counters).campaignCounters(campaign.campaignId)
        assert.deepStrictEqual(counters, {
          impressions: 300,
          clicks: 60,
          spentImpressionsMicros: 300 * 500_000,
          spentClicksMicros: 60 * 2_000_000,
        } as typeof counters)
        assert.deepStrictEqual(yield* ledgerCounts(campaign.campaignId), {
          impressions: 300,
          clicks: 60,
          spent: expectedSpent,
        })
        const totals = yield* (yield* StatsQueries).campaignTotals(campaign.campaignId)
        assert.strictEqual(totals.impressions, 300)
        assert.strictEqual(totals.clicks, 60)
        assert.strictEqual(totals.spentImpressionsMicros + totals.spentClicksMicros, expectedSpent)
        assert.deepStrictEqual(yield* DeadLetter.list, [])
      }),
  )

  it.effect(
    "clicks published right behind their impressions are never retried, whichever consumer runs ahead",
    () =>
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const campaigns = yield* Effect.forEach([0, 1, 2], () => TestEvents.seedCampaign)
        const before = ProcessorMetrics.snapshot()
        // Every impression is stored before every click, so no click may ever be retried: it can
        // only have run ahead of an impression that is on its way.
        const viewers = campaigns.map((campaign) => ({ campaign, clients: TestEvents.clients(600) }))
        yield* publisher.publishAll(
          viewers.flatMap(({ campaign, clients }) => clients.map((c) => TestEvents.impression(campaign, c))),
        )
        yield* publisher.publishAll(
          viewers.flatMap(({ campaign, clients }) =>
            clients.slice(0, 150).map((c) => TestEvents.click(campaign, c)),
          ),
        )
        yield* applied()
        const after = ProcessorMetrics.snapshot()
        assert.strictEqual(after.retried - before.retried, 0)
        for (const { campaign } of viewers) {
          assert.deepStrictEqual(yield* ledgerCounts(campaign.campaignId), {
            impressions: 600,
            clicks: 150,
            spent: 600 * 500_000 + 150 * 2_000_000,
          })
          const counters = yield* (yield* Counters).campaignCounters(campaign.campaignId)
          assert.strictEqual(counters.clicks, 150)
        }
      }),
  )

  it.effect(
    "a click that runs ahead of its impression waits on its lane and counts, with no ack floor asked of nats-server",
    () =>
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const campaigns = yield* Effect.forEach([0, 1, 2, 3], () => TestEvents.seedCampaign)
        const [target] = campaigns
        const [client] = TestEvents.clients(1)
        const before = ProcessorMetrics.snapshot()
        // 20,000 impressions ahead of the click's own, then the impression and its click, all sent
        // before this process (which runs the processor too) takes a single delivery: plain NATS
        // publishes in one synchronous loop, which the stream stores all the same. The click
        // consumer, with only the click to deliver, hands it over long before the impression
        // consumer gets that far. (Publishing the pair through JetStream after the backlog let the
        // processor, busy in the same event loop, drain the backlog before the click was sent.)
        const { connection } = yield* NatsClient
        const subject = publisher.topology.eventSubject("impression")
        for (const campaign of campaigns)
          for (const c of TestEvents.clients(5_000))
            connection.publish(subject, EventCodec.encode(TestEvents.impression(campaign, c)))
        connection.publish(subject, EventCodec.encode(TestEvents.impression(target!, client!)))
        connection.publish(
          publisher.topology.eventSubject("click"),
          EventCodec.encode(TestEvents.click(target!, client!)),
        )
        yield* Effect.promise(() => connection.flush())
        yield* applied()
        const after = ProcessorMetrics.snapshot()
        assert.isAtLeast(after.waited - before.waited, 1)
        // Its lane passed it once the impression arrived and was applied (see ClickWaits).
        assert.strictEqual(after.floorRequests - before.floorRequests, 0)
        assert.strictEqual(after.retried - before.retried, 0)
        assert.strictEqual((yield* (yield* Counters).campaignCounters(target!.campaignId)).clicks, 1)
      }),
  )

  it.effect(
    "a click its lane holds only after the lane went idle is tried again at once, not after the ack wait",
    () =>
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const campaign = yield* TestEvents.seedCampaign
        const [client] = TestEvents.clients(1)
        const before = ProcessorMetrics.snapshot()
        // The click's batch also carries impressions to write, so its clicks are held only once
        // they are in PostgreSQL and ClickHouse; meanwhile the click's own impression arrives, the
        // lane applies it in its next batch and finds nothing more to take. The lane must look at
        // the held click then, not when the click consumer's 30 s ack wait sends it again. (A race
        // by nature: when the lane held clicks without looking again, this failed in 2 of 5 runs.)
        yield* publisher.publishAll([
          ...TestEvents.clients(600).map((c) => TestEvents.impression(campaign, c)),
          TestEvents.click(campaign, client!),
        ])
        yield* Effect.sleep("25 millis")
        yield* publisher.publish(TestEvents.impression(campaign, client!))
        yield* applied("10 seconds")
        const after = ProcessorMetrics.snapshot()
        assert.strictEqual(after.retried - before.retried, 0)
        const counters = yield* (yield* Counters).campaignCounters(campaign.campaignId)
        assert.strictEqual(counters.impressions, 601)
        assert.strictEqual(counters.clicks, 1)
      }),
  )

  it.effect("charges each event at the price it carries (prices change mid-campaign)", () =>
    Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const campaign = yield* TestEvents.seedCampaign
      const [a, b, c] = TestEvents.clients(3)
      yield* publisher.publishAll([
        TestEvents.impression(campaign, a!, 0.1),
        TestEvents.impression(campaign, b!, 0.25, 2),
        TestEvents.impression(campaign, c!, 0.333333, 2),
      ])
      yield* publisher.publishAll([
        TestEvents.click(campaign, a!, 1.1),
        TestEvents.click(campaign, c!, 0.7, 2),
      ])
      yield* applied()
      const stats = yield* StatsQueries
      const totals = yield* stats.campaignTotals(campaign.campaignId)
      assert.strictEqual(totals.spentImpressionsMicros, 100_000 + 250_000 + 333_333)
      assert.strictEqual(totals.spentClicksMicros, 1_100_000 + 700_000)
      const daily = yield* stats.campaignDaily(campaign.campaignId)
      assert.deepStrictEqual(
        daily.map((d) => [d.day, d.impressions, d.clicks]),
        [
          [1, 1, 1],
          [2, 2, 1],
        ],
      )
    }),
  )

  it.effect("keeps the newest score whatever order updates arrive in", () =>
    Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const client = randomUUID()
      const advertiser = randomUUID()
      yield* publisher.publishAll([
        TestEvents.scoreUpdate(client, advertiser, 30, 3_000),
        TestEvents.scoreUpdate(client, advertiser, 10, 1_000),
      ])
      yield* publisher.publish(TestEvents.scoreUpdate(client, advertiser, 20, 2_000))
      yield* applied()
      const stored = yield* (yield* MlScoreStore).get(client as never, advertiser as never)
      assert.strictEqual(Option.getOrThrow(stored).score, 30)
      const view = yield* (yield* Counters).readForRequest({
        clientId: client as never,
        advertiserIds: [advertiser as never],
        campaignIds: [],
      })
      assert.strictEqual(view.scores.get(advertiser as never), 30)
    }),
  )

  it.effect(
    "dead-letters each kind of bad message with its reason and processes the good ones around it",
    () =>
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const campaign = yield* TestEvents.seedCampaign
        const [before, after] = TestEvents.clients(2)
        const good = TestEvents.impression(campaign, before!)
        const json = (overrides: Record<string, unknown>, omit?: string) => {
          const base: Record<string, unknown> = JSON.parse(
            new TextDecoder().decode(EventCodec.encode(TestEvents.impression(campaign, randomUUID()))),
          )
          if (omit) delete base[omit]
          return new TextEncoder().encode(JSON.stringify({ ...base, ...overrides }))
        }
        const subject = publisher.topology.eventSubject("impression")
        yield* publisher.publish(good)
        const bad: Array<[Uint8Array, RegExp]> = [
          [new TextEncoder().encode("{not json"), /invalid impression event/],
          [json({ cost: "free" }), /cost/],
          [json({}, "client_id"), /client_id/],
          [json({ campaign_id: "not-a-uuid" }), /campaign_id/],
          [json({ event_id: "made-up" }), /event_id must be/],
          [new Uint8Array(EventCodec.MAX_EVENT_BYTES + 10).fill(32), /too large/],
        ]
        for (const [payload] of bad) yield* publisher.publishBytes(subject, payload)
        const stranger = TestEvents.impression(
          { campaignId: randomUUID() as never, advertiserId: campaign.advertiserId },
          randomUUID(),
        )
        yield* publisher.publish(stranger)
        const wrongOwner = TestEvents.impression(
          { campaignId: campaign.campaignId, advertiserId: randomUUID() as never },
          randomUUID(),
        )
        yield* publisher.publish(wrongOwner)
        yield* publisher.publish(TestEvents.impression(campaign, after!))
        yield* applied()

        // Lanes run in parallel, so dead letters are filed in any order; the original sequence says which is which.
        const letters = [...(yield* DeadLetter.list)].sort((a, b) => a.originalSeq - b.originalSeq)
        const reasons = letters.map((l) => l.reason)
        assert.strictEqual(letters.length, bad.length + 2, reasons.join("\n"))
        bad.forEach(([payload, reason], i) => {
          assert.match(reasons[i]!, reason)
          assert.deepStrictEqual(letters[i]!.data, payload)
        })
        assert.match(reasons[bad.length]!, /unknown campaign/)
        assert.match(reasons[bad.length + 1]!, /belongs to advertiser/)
        const counters = yield* (yield* Counters).campaignCounters(campaign.campaignId)
        assert.strictEqual(counters.impressions, 2)
        assert.deepStrictEqual(yield* ledgerCounts(campaign.campaignId), {
          impressions: 2,
          clicks: 0,
          spent: 1_000_000,
        })
      }),
  )
})
