import { StatsQueries } from "@adflow/analytics"
import { Barrier, DeadLetter, EventCodec, EventPublisher, NatsClient, Topology } from "@adflow/bus"
import { Counters } from "@adflow/counters"
import type { Events } from "@adflow/domain"
import { StoreLayer } from "@adflow/store"
import { StackUrls, TestNamespace, TestSystem, TestEvents } from "@adflow/testkit"
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import * as ProcessorProcess from "../bench/ProcessorProcess.js"

const Live = Layer.mergeAll(EventPublisher.Default, StatsQueries.Default, Counters.layer).pipe(
  Layer.provideMerge(StoreLayer),
  Layer.provideMerge(TestSystem.layer),
)

const IMPRESSION_MICROS = 500_000
const CLICK_MICROS = 2_000_000

/** Events for one campaign: `viewers` impressions, the first `clickers` of them click. */
interface Plan {
  readonly campaign: TestEvents.SeededCampaign
  readonly impressions: ReadonlyArray<Events.Impression>
  readonly clicks: ReadonlyArray<Events.Click>
}

const plan = (viewers: number, clickers: number) =>
  Effect.map(TestEvents.seedCampaign, (campaign): Plan => {
    const people = TestEvents.clients(viewers)
    return {
      campaign,
      impressions: people.map((c) => TestEvents.impression(campaign, c)),
      clicks: people.slice(0, clickers).map((c) => TestEvents.click(campaign, c)),
    }
  })

/**
 * Publishes every planned event, then duplicates: a tenth again with the same id (JetStream
 * drops them) and a tenth without an id, as a producer outside the dedup window would send
 * them (the stores must drop them).
 */
const publishWithDuplicates = (plans: ReadonlyArray<Plan>) =>
  Effect.gen(function* () {
    const publisher = yield* EventPublisher
    const impressions = plans.flatMap((p) => p.impressions)
    const clicks = plans.flatMap((p) => p.clicks)
    const tenth = <A>(events: ReadonlyArray<A>, offset: number) => events.filter((_, i) => i % 10 === offset)
    const raw = (event: Events.Event) =>
      publisher.publishBytes(
        publisher.topology.eventSubject(EventCodec.kindOf(event)),
        EventCodec.encode(event),
      )
    yield* publisher.publishAll(impressions)
    yield* publisher.publishAll(tenth(impressions, 3))
    yield* Effect.forEach(tenth(impressions, 7), raw, { concurrency: 256, discard: true })
    yield* publisher.publishAll(clicks)
    yield* publisher.publishAll(tenth(clicks, 1))
    yield* Effect.forEach(tenth(clicks, 5), raw, { concurrency: 256, discard: true })
  })

const applied = Effect.flatMap(Barrier.awaitApplied(Topology.EVENT_KINDS, "150 seconds"), (done) =>
  done ? Effect.void : Effect.die("the processor did not catch up in time"),
)

/** Every store holds exactly one of each planned event, at its price. */
const assertExact = (plans: ReadonlyArray<Plan>) =>
  Effect.gen(function* () {
    const counters = yield* Counters
    const stats = yield* StatsQueries
    const sql = yield* SqlClient.SqlClient
    for (const { campaign, impressions, clicks } of plans) {
      const expected = {
        impressions: impressions.length,
        clicks: clicks.length,
        spentImpressionsMicros: impressions.length * IMPRESSION_MICROS,
        spentClicksMicros: clicks.length * CLICK_MICROS,
      }
      assert.deepStrictEqual({ ...(yield* counters.campaignCounters(campaign.campaignId)) }, expected)
      const [ledger] = yield* sql<{
        impressions: string
        clicks: string
        impression_micros: string
        click_micros: string
        distinct_events: string
      }>`
        SELECT (SELECT count(*) FROM impressions WHERE campaign_id = ${campaign.campaignId}) AS impressions,
               (SELECT count(*) FROM clicks WHERE campaign_id = ${campaign.campaignId}) AS clicks,
               (SELECT coalesce(sum(cost_micros), 0) FROM impressions WHERE campaign_id = ${campaign.campaignId})
                 AS impression_micros,
               (SELECT coalesce(sum(cost_micros), 0) FROM clicks WHERE campaign_id = ${campaign.campaignId})
                 AS click_micros`
      assert.deepStrictEqual(
        {
          impressions: Number(ledger!.impressions),
          clicks: Number(ledger!.clicks),
          spentImpressionsMicros: Number(ledger!.impression_micros),
          spentClicksMicros: Number(ledger!.click_micros),
        },
        expected,
      )
      assert.deepStrictEqual({ ...(yield* stats.campaignTotals(campaign.campaignId)) }, expected)
    }
    assert.deepStrictEqual(
      (yield* DeadLetter.list).map((l) => l.reason),
      [],
    )
  })

/** Settings for a processor child process on this test file's namespace. */
const processorEnv = Effect.gen(function* () {
  const { id } = yield* TestNamespace
  const urls = yield* StackUrls
  const pg = new URL(urls.postgres)
  pg.pathname = `/${id}`
  return {
    natsUrl: urls.nats,
    redisUrl: urls.redis,
    pgUrl: pg.toString(),
    clickhouseUrl: urls.clickhouse,
    namespace: id,
  } satisfies ProcessorProcess.ProcessorEnv
})

const ackPending = (kind: Topology.EventKind) =>
  Effect.gen(function* () {
    const { manager, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const info = yield* Effect.promise(() =>
      manager.consumers.info(topology.eventsStream, topology.consumerName(kind)),
    )
    return info.num_ack_pending
  })

// Real time and real processes: the processor under test is `src/main.ts` run by node.
layer(Live, { excludeTestServices: true, timeout: "120 seconds" })("processor crash", (it) => {
  it.scoped(
    "a processor killed in the middle of a batch then restarted: counts, sums, ledger rows and ClickHouse aggregates are exact",
    () =>
      Effect.gen(function* () {
        const env = yield* processorEnv
        const plans = yield* Effect.forEach([0, 1, 2, 3], () => plan(5_000, 1_000))
        const totalImpressions = plans.reduce((n, p) => n + p.impressions.length, 0)

        const first = yield* ProcessorProcess.start(env)
        const publishing = yield* Effect.fork(publishWithDuplicates(plans))

        // Part-way: some impressions applied, and some delivered to it but not yet acknowledged.
        const progress = yield* Effect.all([first.applied, ackPending("impression")]).pipe(
          Effect.delay("10 millis"),
          Effect.repeat({
            until: ([done, pending]) => done.impression >= totalImpressions / 5 && pending > 0,
          }),
        )
        yield* first.kill
        assert.isBelow(progress[0].impression, totalImpressions, "killed before it had finished")
        // What it held unacknowledged died with it; JetStream redelivers it after the ack wait.
        assert.isAbove(yield* ackPending("impression"), 0)

        yield* Fiber.join(publishing)
        const second = yield* ProcessorProcess.start(env)
        yield* applied.pipe(Effect.tapDefect(() => Effect.logError(second.output())))
        yield* assertExact(plans)
        yield* second.terminate
      }),
    240_000,
  )

  it.scoped(
    "two processor instances on the same durable consumers give exact results",
    () =>
      Effect.gen(function* () {
        const env = yield* processorEnv
        const plans = yield* Effect.forEach([0, 1, 2], () => plan(3_000, 600))
        const [a, b] = yield* Effect.all([ProcessorProcess.start(env), ProcessorProcess.start(env)], {
          concurrency: 2,
        })
        const before = yield* Effect.all([a.applied, b.applied])
        yield* publishWithDuplicates(plans)
        yield* applied
        yield* assertExact(plans)
        const after = yield* Effect.all([a.applied, b.applied])
        // Both took a share of the work (JetStream spreads a durable consumer's messages over its pullers).
        assert.isAbove(after[0].impression - before[0].impression, 0)
        assert.isAbove(after[1].impression - before[1].impression, 0)
        yield* Effect.all([a.terminate, b.terminate], { concurrency: 2 })
      }),
    180_000,
  )
})
