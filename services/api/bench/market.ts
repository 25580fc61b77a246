/**
 * Prepares (or drops) an isolated market for the GET /ads benchmark: a PostgreSQL database,
 * ClickHouse database, NATS prefix and Redis prefix all named after BENCH_NAMESPACE, migrated
 * and provisioned, with CAMPAIGNS active campaigns (random targeting, high limits) and CLIENTS
 * clients, each with an ML score for SCORES_PER_CLIENT different advertisers (default 0) written
 * as the processor writes score updates. Writes the client ids, one per line, to BENCH_CLIENTS_FILE.
 *
 *   tsx bench/market.ts seed | drop
 */
import { AnalyticsMigrations, ClickHouse } from "@adflow/analytics"
import { Counters, RedisClient } from "@adflow/counters"
import { NatsClient, Naming, Provisioning } from "@adflow/bus"
import { type AdvertiserId, type CampaignId, type ClientId, type Day, Events, Money } from "@adflow/domain"
import {
  AdvertiserRepo,
  CampaignRepo,
  ClientRepo,
  PgDatabase,
  StoreLayer,
  StoreMigrations,
} from "@adflow/store"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { writeFileSync } from "node:fs"

const env = (name: string, fallback: string) => process.env[name] ?? fallback
const namespace = env("BENCH_NAMESPACE", "bench")
const pgUrl = env("ADFLOW_PG_URL", "postgres://postgres@127.0.0.1:15432/postgres")
const campaigns = Number(env("CAMPAIGNS", "1000"))
const clients = Number(env("CLIENTS", "100000"))
const scoresPerClient = Number(env("SCORES_PER_CLIENT", "0"))
const clientsFile = env("BENCH_CLIENTS_FILE", "/tmp/adflow-bench-clients.txt")

const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

const admin = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(PgDatabase.layer({ url: pgUrl, maxConnections: 1 })),
    Effect.scoped,
  )

const Clients = Layer.mergeAll(
  PgDatabase.layer({ url: withDatabase(pgUrl, namespace) }),
  NatsClient.layer({ url: env("ADFLOW_NATS_URL", "nats://127.0.0.1:14222"), prefix: namespace }),
  ClickHouse.layer({ url: env("ADFLOW_CLICKHOUSE_URL", "http://127.0.0.1:18123"), database: namespace }),
)

// A seeded generator, so every run benchmarks the same market.
let state = 42
const random = () => {
  state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
  return state / 2_147_483_648
}
const pick = <A>(values: ReadonlyArray<A>): A => values[Math.floor(random() * values.length)]!
const cities = Array.from({ length: 10 }, (_, i) => `city-${i}`)

const redisLayer = Counters.layer.pipe(
  Layer.provideMerge(
    RedisClient.layer({
      url: env("ADFLOW_REDIS_URL", "redis://127.0.0.1:16379"),
      keyPrefix: `${namespace}:`,
    }),
  ),
)

/** Scores for `scoresPerClient` advertisers of each client, through `Counters.applyScores`. */
const seedScores = (
  people: ReadonlyArray<{ readonly client_id: ClientId }>,
  advertisers: ReadonlyArray<{ readonly advertiser_id: AdvertiserId }>,
) =>
  Effect.gen(function* () {
    const counters = yield* Counters
    const at = Date.now()
    let updates: Array<Events.ScoreUpdate> = []
    const perClient = Math.min(scoresPerClient, advertisers.length)
    for (const { client_id } of people) {
      // Consecutive advertisers from a random one: `perClient` different ones.
      const first = Math.floor(random() * advertisers.length)
      for (let k = 0; k < perClient; k++) {
        const advertiser_id = advertisers[(first + k) % advertisers.length]!.advertiser_id
        updates.push(
          Events.ScoreUpdate.make({
            v: Events.SCHEMA_VERSION,
            event_id: Events.scoreId(client_id, advertiser_id, at),
            client_id,
            advertiser_id,
            score: Math.floor(random() * 1000),
            at,
          }),
        )
      }
      if (updates.length >= 10_000) {
        yield* counters.applyScores(updates)
        updates = []
      }
    }
    yield* counters.applyScores(updates)
  }).pipe(Effect.provide(redisLayer))

const seed = Effect.gen(function* () {
  yield* admin(`CREATE DATABASE ${namespace}`)
  yield* Effect.gen(function* () {
    const ch = yield* ClickHouse
    yield* Effect.promise(() => ch.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${namespace}` }))
    yield* StoreMigrations.migrate
    yield* AnalyticsMigrations.run
    yield* Provisioning.provision()
    const advertisers = Array.from({ length: 50 }, () => ({
      advertiser_id: randomUUID() as AdvertiserId,
      name: "bench",
    }))
    yield* (yield* AdvertiserRepo).upsertMany(advertisers)
    const repo = yield* CampaignRepo
    yield* Effect.forEach(
      Array.from({ length: campaigns }),
      () =>
        repo.insert({
          campaign_id: randomUUID() as CampaignId,
          advertiser_id: pick(advertisers).advertiser_id,
          impressions_limit: 1_000_000,
          clicks_limit: 100_000,
          cost_per_impression_micros: Money.fromPrice(Math.round(random() * 500) / 100),
          cost_per_click_micros: Money.fromPrice(Math.round(random() * 2000) / 100),
          ad_title: "title",
          ad_text: "text",
          start_date: 0 as Day,
          end_date: 1000 as Day,
          gender: pick(["MALE", "FEMALE", "ALL", null] as const),
          age_from: random() < 0.5 ? null : 18 + Math.floor(random() * 20),
          age_to: random() < 0.5 ? null : 40 + Math.floor(random() * 30),
          location: random() < 0.3 ? null : pick(cities),
        }),
      { concurrency: 8, discard: true },
    )
    const people = Array.from({ length: clients }, () => ({
      client_id: randomUUID() as ClientId,
      login: "bench",
      age: 16 + Math.floor(random() * 60),
      location: pick(cities),
      gender: pick(["MALE", "FEMALE"] as const),
    }))
    const clientRepo = yield* ClientRepo
    for (let i = 0; i < people.length; i += 20_000) yield* clientRepo.upsertMany(people.slice(i, i + 20_000))
    if (scoresPerClient > 0) yield* seedScores(people, advertisers)
    writeFileSync(clientsFile, people.map((p) => p.client_id).join("\n") + "\n")
    yield* Effect.log(`seeded ${campaigns} campaigns, ${clients} clients in namespace ${namespace}`)
  }).pipe(Effect.provide(StoreLayer), Effect.provide(Clients))
})

const drop = Effect.gen(function* () {
  yield* Effect.gen(function* () {
    const { manager } = yield* NatsClient
    const mine = Naming.streamPrefix(namespace) + "_"
    for (const name of yield* Effect.promise(async () => {
      const names: Array<string> = []
      for await (const name of manager.streams.names()) names.push(name)
      return names
    }))
      if (name.startsWith(mine)) yield* Effect.promise(() => manager.streams.delete(name))
    const ch = yield* ClickHouse
    yield* Effect.promise(() => ch.client.command({ query: `DROP DATABASE IF EXISTS ${namespace}` }))
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        NatsClient.layer({ url: env("ADFLOW_NATS_URL", "nats://127.0.0.1:14222"), prefix: namespace }),
        ClickHouse.layer({
          url: env("ADFLOW_CLICKHOUSE_URL", "http://127.0.0.1:18123"),
          database: namespace,
        }),
      ),
    ),
  )
  yield* admin(`DROP DATABASE IF EXISTS ${namespace} WITH (FORCE)`)
  yield* Effect.flatMap(Counters, (counters) => counters.wipe).pipe(Effect.provide(redisLayer))
})

const main: Effect.Effect<void, unknown> = process.argv[2] === "drop" ? drop : seed

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exit(1)
})
