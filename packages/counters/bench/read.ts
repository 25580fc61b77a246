/**
 * Micro-benchmark of `Counters.readForRequest`: the one-script read against the former pipeline
 * (an HMGET of the scores plus HMGET + 2 × SISMEMBER per campaign, copied below as the
 * baseline), for 8, 50 and 200 campaigns, on the local dev stack's Redis (ADFLOW_REDIS_URL).
 *
 *   bash infra/local/pnpm.sh exec tsx packages/counters/bench/read.ts
 *
 * Each case keeps CONCURRENCY calls in flight on one connection (as the API does) for DURATION_MS
 * after a warm-up and prints calls/s and the client process's CPU (user + system) per call, which
 * is what the API pays. Seeds under its own key prefix and deletes it afterwards.
 */
import { randomUUID } from "node:crypto"
import type { AdvertiserId, CampaignId, ClientId } from "@adflow/domain"
import { Effect, Layer, ManagedRuntime } from "effect"
import type { ChainableCommander } from "ioredis"
import { Counters, CountersError, Keys, RedisClient, type RequestView } from "../src/index.js"
import type { CampaignView } from "../src/Outcomes.js"

const DURATION_MS = Number(process.env["DURATION_MS"] ?? 3_000)
const WARMUP_MS = Number(process.env["WARMUP_MS"] ?? 1_000)
const CONCURRENCY = Number(process.env["CONCURRENCY"] ?? 16)
const ADVERTISERS = 8
const url = process.env["ADFLOW_REDIS_URL"] ?? "redis://127.0.0.1:16379"
const keyPrefix = `bench_read_${Date.now()}:`

const runtime = ManagedRuntime.make(
  Counters.layer.pipe(Layer.provideMerge(RedisClient.layer({ url, keyPrefix }))),
)

/** The former readForRequest: one pipeline of 1 + 3n commands (kept here as the baseline). */
const pipelineRead = (
  redis: RedisClient["Type"]["redis"],
  {
    advertiserIds,
    campaignIds,
    clientId,
  }: {
    clientId: ClientId
    advertiserIds: ReadonlyArray<AdvertiserId>
    campaignIds: ReadonlyArray<CampaignId>
  },
) => {
  const count = (value: unknown): number => (typeof value === "string" ? Number(value) : 0)
  return Effect.tryPromise({
    try: () => {
      const pipeline: ChainableCommander = redis.pipeline()
      if (advertiserIds.length > 0) pipeline.hmget(Keys.scores(clientId), ...advertiserIds)
      for (const campaignId of campaignIds) {
        pipeline.hmget(Keys.totals(campaignId), Keys.CounterField.impressions, Keys.CounterField.clicks)
        pipeline.sismember(Keys.seen(campaignId), clientId)
        pipeline.sismember(Keys.clicked(campaignId), clientId)
      }
      return pipeline.exec()
    },
    catch: CountersError.from("readForRequest"),
  }).pipe(
    Effect.flatMap((results) => {
      if (results === null)
        return Effect.fail(new CountersError({ operation: "readForRequest", message: "null" }))
      const replies: Array<unknown> = []
      for (const [error, value] of results) {
        if (error !== null) return Effect.fail(CountersError.from("readForRequest")(error))
        replies.push(value)
      }
      return Effect.succeed(replies)
    }),
    Effect.map((replies): RequestView => {
      let next = 0
      const scores = new Map<AdvertiserId, number>()
      if (advertiserIds.length > 0) {
        const values = replies[next++] as ReadonlyArray<string | null>
        advertiserIds.forEach((advertiserId, i) => scores.set(advertiserId, count(values[i])))
      }
      const campaigns = new Map<CampaignId, CampaignView>()
      for (const campaignId of campaignIds) {
        const totals = replies[next++] as ReadonlyArray<string | null>
        campaigns.set(campaignId, {
          impressions: count(totals[0]),
          clicks: count(totals[1]),
          seen: replies[next++] === 1,
          clicked: replies[next++] === 1,
        })
      }
      return { scores, campaigns }
    }),
  )
}

/** Keeps CONCURRENCY calls in flight for `ms`; answers calls completed and CPU µs spent. */
const drive = async (call: () => Promise<RequestView>, ms: number) => {
  const until = performance.now() + ms
  const cpu = process.cpuUsage()
  let calls = 0
  const worker = async () => {
    while (performance.now() < until) {
      await call()
      calls++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const used = process.cpuUsage(cpu)
  return { calls, cpuMicros: used.user + used.system }
}

const main = async () => {
  const { counters, redis } = await runtime.runPromise(
    Effect.all({ counters: Counters, redis: Effect.map(RedisClient, (c) => c.redis) }),
  )
  const clients = Array.from({ length: 100 }, () => randomUUID() as ClientId)
  const advertisers = Array.from({ length: ADVERTISERS }, () => randomUUID() as AdvertiserId)
  const campaigns = Array.from({ length: 200 }, () => randomUUID() as CampaignId)
  // Some state so replies carry numbers and members: each campaign seen by a third of the clients.
  const seed = redis.pipeline()
  for (const [i, campaign] of campaigns.entries()) {
    const viewers = clients.filter((_, j) => (i + j) % 3 === 0)
    seed.sadd(Keys.seen(campaign), ...viewers)
    seed.sadd(Keys.clicked(campaign), ...viewers.slice(0, 3))
    seed.hset(Keys.totals(campaign), { impressions: viewers.length, clicks: 3 })
  }
  for (const client of clients)
    seed.hset(Keys.scores(client), Object.fromEntries(advertisers.map((a, k) => [a, String(k * 1.5)])))
  await seed.exec()

  let n = 0
  const input = (size: number) => ({
    clientId: clients[n++ % clients.length]!,
    advertiserIds: advertisers,
    campaignIds: campaigns.slice(0, size),
  })
  const approaches = {
    "pipeline (old)": (size: number) => () => runtime.runPromise(pipelineRead(redis, input(size))),
    "one script (new)": (size: number) => () => runtime.runPromise(counters.readForRequest(input(size))),
  }

  console.log(
    `readForRequest, ${ADVERTISERS} advertisers, ${CONCURRENCY} in flight, ${DURATION_MS} ms per case, Node ${process.version}`,
  )
  console.log("| campaigns | approach | calls/s | client CPU µs per call |")
  console.log("| --------- | -------- | ------- | ---------------------- |")
  for (const size of [8, 50, 200]) {
    for (const [name, approach] of Object.entries(approaches)) {
      await drive(approach(size), WARMUP_MS)
      const { calls, cpuMicros } = await drive(approach(size), DURATION_MS)
      console.log(
        `| ${size} | ${name} | ${Math.round(calls / (DURATION_MS / 1000))} | ${(cpuMicros / calls).toFixed(1)} |`,
      )
    }
  }
  await runtime.runPromise(counters.wipe)
  await runtime.dispose()
}

main().catch(async (error) => {
  console.error(error)
  await runtime.dispose()
  process.exit(1)
})
