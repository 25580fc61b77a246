import { StatsQueries } from "@adflow/analytics"
import { Barrier, DeadLetter, EventPublisher, Topology } from "@adflow/bus"
import { Counters } from "@adflow/counters"
import type { Events } from "@adflow/domain"
import { ProcessorLive, ProcessorMetrics } from "@adflow/processor"
import { StoreLayer } from "@adflow/store"
import { TestSystem, TestEvents } from "@adflow/testkit"
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Layer, Ref, Schedule } from "effect"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

// A private stack instance, so its servers can be restarted without disturbing the shared one.
const INSTANCE = "resilience"
const OFFSET = 300
const repo = fileURLToPath(new URL("../../..", import.meta.url))
const stackDir = `${repo}.stack/${INSTANCE}`

const stack = (command: "up" | "down" | "reset") =>
  Effect.async<void, Error>((resume) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ADFLOW_STACK_PORT_OFFSET: String(OFFSET) }
    delete env.ADFLOW_STACK_DIR
    delete env.ADFLOW_STACK_NAME
    execFile(
      "bash",
      [`${repo}infra/local/stack.sh`, command, "--name", INSTANCE],
      { env },
      (error, _out, err) =>
        resume(error ? Effect.fail(new Error(`stack.sh ${command}: ${error.message}\n${err}`)) : Effect.void),
    )
  })

const urls = {
  ADFLOW_NATS_URL: `nats://127.0.0.1:${14222 + OFFSET}`,
  ADFLOW_REDIS_URL: `redis://127.0.0.1:${16379 + OFFSET}`,
  ADFLOW_PG_URL: `postgres://postgres@127.0.0.1:${15432 + OFFSET}/postgres`,
  ADFLOW_CLICKHOUSE_URL: `http://127.0.0.1:${18123 + OFFSET}`,
}

const PrivateStack = Layer.scopedDiscard(
  Effect.acquireRelease(Effect.orDie(stack("up")), () =>
    Effect.ignore(Effect.zipRight(stack("down"), stack("reset"))),
  ),
)

const Live = Layer.mergeAll(ProcessorLive, EventPublisher.Default, StatsQueries.Default, Counters.layer).pipe(
  Layer.provideMerge(StoreLayer),
  Layer.provideMerge(TestSystem.layer),
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson(urls))),
  Layer.provide(PrivateStack),
)

type Server = "nats" | "redis" | "postgres" | "clickhouse"

/** The pid the stack runner recorded for a server (PostgreSQL's is its postmaster.pid's first line). */
const pidOf = (server: Server): number => {
  const file =
    server === "postgres"
      ? `${readFileSync(`${stackDir}/pg.location`, "utf8").trim()}/postmaster.pid`
      : `${stackDir}/${server}.pid`
  return Number(readFileSync(file, "utf8").split("\n")[0])
}

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
const restart = (server: Server) =>
  Effect.gen(function* () {
    const pid = pidOf(server)
    process.kill(pid, server === "postgres" ? "SIGINT" : "SIGTERM")
    yield* Effect.sleep("50 millis").pipe(Effect.repeat({ while: () => alive(pid) }))
    yield* Effect.sleep("500 millis")
    yield* Effect.orDie(stack("up"))
    assert.notStrictEqual(pidOf(server), pid)
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
          const progressAfter = (server: Server | "start") =>
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
  },
)
