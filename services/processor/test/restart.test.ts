import { StatsQueries } from "@adflow/analytics"
import { Barrier, DeadLetter, EventPublisher, StreamReader, Topology } from "@adflow/bus"
import { Counters } from "@adflow/counters"
import type { Events } from "@adflow/domain"
import { ProcessorLive, ProcessorMetrics } from "@adflow/processor"
import { StoreLayer } from "@adflow/store"
import { TestSystem, TestEvents } from "@adflow/testkit"
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Layer, Option, Ref, Schedule, Stream } from "effect"
import * as PrivateStack from "./PrivateStack.js"

const Live = Layer.mergeAll(ProcessorLive, EventPublisher.Default, StatsQueries.Default, Counters.layer).pipe(
  Layer.provideMerge(StoreLayer),
  Layer.provideMerge(TestSystem.layer),
  Layer.provide(PrivateStack.layer),
)

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Stops one server by its pid and starts it again (`up` starts only what is not running).
 * PostgreSQL gets SIGINT, its "fast" shutdown: SIGTERM would wait for every client to leave.
 */
const restart = (server: PrivateStack.Server, down: Duration.DurationInput = "500 millis") =>
  Effect.gen(function* () {
    const pid = PrivateStack.pidOf(server)
    process.kill(pid, server === "postgres" ? "SIGINT" : "SIGTERM")
    yield* Effect.sleep("50 millis").pipe(Effect.repeat({ while: () => alive(pid) }))
    yield* Effect.sleep(down)
    yield* Effect.orDie(PrivateStack.up)
    assert.notStrictEqual(PrivateStack.pidOf(server), pid)
  })

const IMPRESSION_MICROS = 500_000
const CLICK_MICROS = 2_000_000

layer(Live, { excludeTestServices: true, timeout: "180 seconds" })(
  "processor across server restarts",
  (it) => {
    it.scoped(
      "a server restarted mid-run (Redis, PostgreSQL, ClickHouse, NATS) delays processing but loses nothing",
      () =>
        Effect.gen(function* () {
          const publisher = yield* EventPublisher
          const campaigns = yield* Effect.forEach([0, 1, 2], () => TestEvents.seedCampaign)
          const sent = new Map<string, { impressions: number; clicks: number }>(
            campaigns.map((c) => [c.campaignId, { impressions: 0, clicks: 0 }]),
          )
          const stop = yield* Ref.make(false)

          // A steady producer that retries each publish until stored (the same id dedups a retry).
          const round = (campaign: TestEvents.SeededCampaign) =>
            Effect.gen(function* () {
              const people = TestEvents.clients(200)
              const events: Array<Events.Event> = [
                ...people.map((c) => TestEvents.impression(campaign, c)),
                ...people.slice(0, 40).map((c) => TestEvents.click(campaign, c)),
              ]
              yield* Effect.forEach(
                events,
                (event) =>
                  publisher
                    .publish(event)
                    .pipe(
                      Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("60 seconds"))),
                      Effect.orDie,
                    ),
                { concurrency: 64, discard: true },
              )
              const tally = sent.get(campaign.campaignId)!
              tally.impressions += 200
              tally.clicks += 40
            })
          const producing = yield* Effect.fork(
            Effect.gen(function* () {
              for (let i = 0; !(yield* Ref.get(stop)); i++) {
                yield* round(campaigns[i % campaigns.length]!)
                yield* Effect.sleep("100 millis")
              }
            }),
          )

          // Progress made since a moment: each restart must be followed by the processor applying events again.
          const progressAfter = (server: PrivateStack.Server | "start") =>
            Effect.gen(function* () {
              const from = ProcessorMetrics.snapshot().impressions
              yield* Effect.sleep("100 millis").pipe(
                Effect.repeat({ until: () => ProcessorMetrics.snapshot().impressions > from + 200 }),
                Effect.timeoutFail({
                  duration: "30 seconds",
                  onTimeout: () =>
                    new Error(`the processor applied nothing for 30 s after ${server} restarted`),
                }),
                Effect.orDie,
              )
            })

          yield* progressAfter("start")
          for (const server of ["nats", "redis", "postgres", "clickhouse"] as const) {
            yield* restart(server)
            yield* progressAfter(server)
          }
          yield* Ref.set(stop, true)
          yield* Fiber.join(producing)

          const caughtUp = yield* Barrier.awaitApplied(Topology.EVENT_KINDS, "90 seconds").pipe(
            Effect.retry(Schedule.spaced("500 millis").pipe(Schedule.upTo("20 seconds"))),
          )
          assert.isTrue(caughtUp, "the processor did not catch up")

          const counters = yield* Counters
          const stats = yield* StatsQueries
          const sql = yield* SqlClient.SqlClient
          for (const [campaignId, tally] of sent) {
            const expected = {
              impressions: tally.impressions,
              clicks: tally.clicks,
              spentImpressionsMicros: tally.impressions * IMPRESSION_MICROS,
              spentClicksMicros: tally.clicks * CLICK_MICROS,
            }
            assert.isAbove(expected.impressions, 0)
            assert.deepStrictEqual({ ...(yield* counters.campaignCounters(campaignId as never)) }, expected)
            const [ledger] = yield* sql<{ i: string; c: string; im: string; cm: string }>`
            SELECT (SELECT count(*) FROM impressions WHERE campaign_id = ${campaignId}) AS i,
                   (SELECT count(*) FROM clicks WHERE campaign_id = ${campaignId}) AS c,
                   (SELECT coalesce(sum(cost_micros), 0) FROM impressions WHERE campaign_id = ${campaignId}) AS im,
                   (SELECT coalesce(sum(cost_micros), 0) FROM clicks WHERE campaign_id = ${campaignId}) AS cm`
            assert.deepStrictEqual(
              {
                impressions: Number(ledger!.i),
                clicks: Number(ledger!.c),
                spentImpressionsMicros: Number(ledger!.im),
                spentClicksMicros: Number(ledger!.cm),
              },
              expected,
            )
            assert.deepStrictEqual({ ...(yield* stats.campaignTotals(campaignId as never)) }, expected)
          }
          assert.deepStrictEqual(
            (yield* DeadLetter.list).map((l) => l.reason),
            [],
          )
        }),
      180_000,
    )

    it.scoped("a stream read across a NATS restart reads the whole range, in order", () =>
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const campaign = yield* TestEvents.seedCampaign
        yield* Effect.forEach(
          TestEvents.clients(5000).map((client) => TestEvents.impression(campaign, client)),
          (event) => publisher.publish(event),
          { concurrency: 256, discard: true },
        )
        const stream = publisher.topology.eventsStream
        const { firstSeq, lastSeq } = yield* StreamReader.bounds({ stream })
        const pull = yield* Stream.toPull(StreamReader.read({ stream }))
        const seqs: Array<number> = []
        const take = pull.pipe(
          Effect.map((chunk) => seqs.push(...Chunk.map(chunk, (message) => message.seq))),
        )
        yield* take
        // Down for longer than a few empty fetches: the reader must wait for the server, not end.
        const reading = yield* Effect.fork(Effect.flip(Effect.forever(take)))
        yield* restart("nats", "8 seconds")
        const ended = yield* Fiber.join(reading)
        assert.isTrue(Option.isNone(ended), `the read failed: ${Option.getOrUndefined(ended)?.message}`)
        assert.strictEqual(seqs.length, lastSeq - firstSeq + 1)
        assert.deepStrictEqual(
          seqs,
          Array.from({ length: seqs.length }, (_, i) => firstSeq + i),
        )
      }),
    )
  },
)
