/**
 * What the ad request's two script calls cost Redis itself: its CPU (user + system, from
 * `/proc/<pid>/stat`) per call of the read (`readForServing` with the client's scores and
 * CAMPAIGNS campaigns, default 16 as the API's first read, `Ranking.WINDOW`; and without the
 * scores, as a further read) and of the admission (`admitImpression`,
 * a new client each time), beside a script that does nothing (what any script call costs: the
 * protocol, the event loop, the socket) measured in the same run. Redis is single-threaded and
 * shared by every API instance, so its CPU per answer bounds the whole platform's answers per
 * second.
 *
 *   eval "$(bash infra/local/stack.sh env --name test)"
 *   bash infra/local/pnpm.sh exec tsx packages/counters/bench/servingCost.ts --stack-dir .stack/test
 *
 * Keeps CONCURRENCY calls in flight on one connection (as the API does) for DURATION_MS after a
 * warm-up, ROUNDS times in turn; ONLY=<text> runs only the calls whose name contains it. Seeds under its own key prefix and deletes it afterwards (the
 * admissions' outbox and learning keys too).
 */
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { type CampaignId, type ClientId, Money } from "@adflow/domain"
import { Effect, Layer, ManagedRuntime } from "effect"
import { ClickLearning, Counters, Keys, RedisClient } from "../src/index.js"

const DURATION_MS = Number(process.env["DURATION_MS"] ?? 3_000)
const WARMUP_MS = Number(process.env["WARMUP_MS"] ?? 1_000)
const CONCURRENCY = Number(process.env["CONCURRENCY"] ?? 16)
const ROUNDS = Number(process.env["ROUNDS"] ?? 3)
const ONLY = process.env["ONLY"]
const CAMPAIGNS = Number(process.env["CAMPAIGNS"] ?? 16)
const ADVERTISERS = 50
const url = process.env["ADFLOW_REDIS_URL"] ?? "redis://127.0.0.1:16379"
const keyPrefix = `bench_cost_${Date.now()}:`

const stackDir = (() => {
  const at = process.argv.indexOf("--stack-dir")
  return at === -1 ? ".stack/dev" : process.argv[at + 1]!
})()
const redisPid = Number(readFileSync(join(stackDir, "redis.pid"), "utf8").trim())
const hz = 100 // USER_HZ: /proc's clock ticks per second on Linux
const redisTicks = () => {
  const fields = readFileSync(`/proc/${redisPid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return Number(fields[11]) + Number(fields[12])
}

const runtime = ManagedRuntime.make(
  Counters.layer.pipe(Layer.provideMerge(RedisClient.layer({ url, keyPrefix }))),
)

/** Keeps CONCURRENCY calls in flight for `ms`; answers the calls completed and Redis's CPU µs. */
const drive = async (call: () => Promise<unknown>, ms: number) => {
  const until = performance.now() + ms
  const before = redisTicks()
  let calls = 0
  const worker = async () => {
    while (performance.now() < until) {
      await call()
      calls++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return { calls, redisMicros: ((redisTicks() - before) * 1e6) / hz }
}

const main = async () => {
  const { counters, redis } = await runtime.runPromise(
    Effect.all({ counters: Counters, redis: Effect.map(RedisClient, (c) => c.redis) }),
  )
  const clients = Array.from({ length: 1_000 }, () => randomUUID() as ClientId)
  const advertisers = Array.from({ length: ADVERTISERS }, () => randomUUID())
  const campaigns = Array.from({ length: CAMPAIGNS }, () => randomUUID() as CampaignId)
  // Each client has a score per advertiser and was shown a few of the campaigns.
  const seed = redis.pipeline()
  for (const campaign of campaigns) seed.hset(Keys.totals(campaign), { impressions: 500, clicks: 20 })
  for (const [j, client] of clients.entries()) {
    seed.hset(Keys.scores(client), Object.fromEntries(advertisers.map((a, k) => [a, String(k / 100)])))
    for (let k = 0; k < 3; k++) {
      const campaign = campaigns[(j + k) % campaigns.length]!
      seed.sadd(Keys.seen(campaign), client)
    }
  }
  await seed.exec()
  redis.defineCommand("adflowBenchNothing", { numberOfKeys: 0, lua: "return 1" })
  const nothing = (redis as unknown as { adflowBenchNothing: () => Promise<unknown> }).adflowBenchNothing

  let n = 0
  const cases: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ["a script that does nothing", () => nothing.call(redis)],
    [
      `read: scores + ${CAMPAIGNS} campaigns`,
      () =>
        runtime.runPromise(
          counters.readForServing({
            clientId: clients[n++ % clients.length]!,
            scores: true,
            campaignIds: campaigns,
          }),
        ),
    ],
    [
      `read: ${CAMPAIGNS} campaigns, no scores`,
      () =>
        runtime.runPromise(
          counters.readForServing({
            clientId: clients[n++ % clients.length]!,
            scores: false,
            campaignIds: campaigns,
          }),
        ),
    ],
    [
      "admission of a new client",
      () => {
        const clientId = randomUUID() as ClientId
        const campaignId = campaigns[n++ % campaigns.length]!
        return runtime.runPromise(
          counters.admitImpression({
            campaignId,
            clientId,
            impressionsLimit: 1e12,
            costMicros: Money.fromPrice(1.25),
            event: {
              json: JSON.stringify({
                v: 1,
                event_id: randomUUID(),
                campaign_id: campaignId,
                client_id: clientId,
              }),
              at: Date.now(),
              score: 0.5,
            },
          }),
        )
      },
    ],
  ]

  console.log(
    `Redis CPU per call, ${CONCURRENCY} in flight, ${DURATION_MS} ms per case, ${ROUNDS} rounds, redis pid ${redisPid}`,
  )
  console.log("| round | call | calls/s | Redis CPU µs per call |")
  console.log("| ----- | ---- | ------- | --------------------- |")
  for (let round = 1; round <= ROUNDS; round++)
    for (const [name, call] of cases) {
      if (ONLY !== undefined && !name.includes(ONLY)) continue
      await drive(call, WARMUP_MS)
      const { calls, redisMicros } = await drive(call, DURATION_MS)
      console.log(
        `| ${round} | ${name} | ${Math.round(calls / (DURATION_MS / 1000))} | ${(redisMicros / calls).toFixed(1)} |`,
      )
    }
  await runtime.runPromise(counters.wipe)
  await redis.del(Keys.unpublishedImpressions, ClickLearning.KEY)
  await runtime.dispose()
}

main().catch(async (error) => {
  console.error(error)
  await runtime.dispose()
  process.exit(1)
})
