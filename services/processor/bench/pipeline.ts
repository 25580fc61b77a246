/**
 * End-to-end throughput of the event pipeline against a running stack (the test stack unless
 * ADFLOW_* URLs say otherwise), each configuration in a namespace of its own that is dropped
 * afterwards:
 *
 *   bash infra/local/pnpm.sh exec tsx services/processor/bench/pipeline.ts [--events 200000]
 *     [--campaigns 1000] [--lanes 4 --batch-size 1000 --batch-window-ms 20 --max-in-flight 5000]
 *     [--sweep] [--lag-events 20000] [--lag-rate <events/s>] [--stack-dir .stack/<name>]
 *
 * 1. publishes the events (80% impressions, 20% clicks on them) as a backlog;
 * 2. baseline: a second set of durable consumers on the same stream consume and ack it, no work;
 * 3. the real processor (`src/main.ts`, a child process) drains the same backlog: events/s
 *    until every consumer's ack floor passed the last message (i.e. applied to Redis,
 *    PostgreSQL and ClickHouse, and acknowledged), with its RSS and heap;
 * 4. lag: fresh events published at a steady rate (half the measured throughput unless given)
 *    while the processor runs; each event's lag is from its publish to the moment its
 *    consumer's ack floor passed it, which is when `Barrier.awaitApplied` would return;
 * 5. replay: `adflow replay` of the whole stream, in a process of its own (events/s as the CLI
 *    times it, and with the process's start-up).
 *
 * With `--stack-dir`, the CPU time of the stack's servers (and of the processor, the bench's own
 * consumer and the replay process) during the baseline, the processor's drain and the replay,
 * in µs per event.
 */
import { EventPublisher, NatsClient, Topology } from "@adflow/bus"
import type { Events } from "@adflow/domain"
import { StoreLayer } from "@adflow/store"
import { StackUrls, TestNamespace, TestSystem, TestEvents } from "@adflow/testkit"
import { type Context, Duration, Effect, Layer, Logger, LogLevel } from "effect"
import { readFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { parseArgs } from "node:util"
import * as ProcessCpu from "./processCpu.js"
import * as ProcessorProcess from "./ProcessorProcess.js"
import * as ReplayProcess from "./ReplayProcess.js"

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    campaigns: { type: "string", default: "1000" },
    lanes: { type: "string" },
    "batch-size": { type: "string" },
    "batch-window-ms": { type: "string" },
    "max-in-flight": { type: "string" },
    sweep: { type: "boolean", default: false },
    "lag-events": { type: "string", default: "20000" },
    "lag-rate": { type: "string" },
    // A stack.sh data folder (e.g. .stack/procperf): report its servers' CPU per event.
    "stack-dir": { type: "string" },
  },
})

interface Settings {
  readonly lanes: number
  readonly batchSize: number
  readonly batchWindowMs: number
  readonly maxInFlight: number
}

const defaults: Settings = { lanes: 4, batchSize: 1000, batchWindowMs: 20, maxInFlight: 5000 }
const given: Settings = {
  lanes: Number(args.lanes ?? defaults.lanes),
  batchSize: Number(args["batch-size"] ?? defaults.batchSize),
  batchWindowMs: Number(args["batch-window-ms"] ?? defaults.batchWindowMs),
  maxInFlight: Number(args["max-in-flight"] ?? defaults.maxInFlight),
}
const sweep: ReadonlyArray<Settings> = args.sweep
  ? [
      given,
      { ...given, lanes: 1 },
      { ...given, lanes: 8 },
      { ...given, batchSize: 2000, batchWindowMs: 50 },
      { ...given, batchSize: 100, batchWindowMs: 5 },
      { ...given, maxInFlight: 20_000 },
    ]
  : [given]
const eventCount = Number(args.events)
const campaignCount = Number(args.campaigns)
const lagEvents = Number(args["lag-events"])
const servers =
  args["stack-dir"] === undefined ? new Map<string, number>() : ProcessCpu.stackServers(args["stack-dir"])

/** µs of CPU per event of each process between `measure` and its result's call. */
const cpuPerEvent = (cpu: ReadonlyMap<string, number>, events: number) =>
  Object.fromEntries(
    [...cpu].map(([name, seconds]) => [name, Math.round(((seconds * 1e6) / events) * 10) / 10]),
  )

const Live = EventPublisher.Default.pipe(Layer.provideMerge(StoreLayer), Layer.provideMerge(TestSystem.layer))

/** `events` events over the campaigns: per campaign, impressions for fresh clients and clicks by a fifth of them. */
const generate = (campaigns: ReadonlyArray<TestEvents.SeededCampaign>, events: number) => {
  const perCampaign = Math.max(5, Math.round(events / campaigns.length))
  const viewers = Math.round((perCampaign * 5) / 6)
  const impressions: Array<Events.Impression> = []
  const clicks: Array<Events.Click> = []
  for (const campaign of campaigns) {
    const people = TestEvents.clients(viewers)
    for (const c of people) impressions.push(TestEvents.impression(campaign, c))
    for (const c of people.slice(0, perCampaign - viewers)) clicks.push(TestEvents.click(campaign, c))
  }
  return { impressions, clicks }
}

const kinds = ["impression", "click"] as const

// The nats client's own type, reached through NatsClient (the processor does not depend on nats).
type ConsumerConfig = Parameters<Context.Tag.Service<typeof NatsClient>["manager"]["consumers"]["add"]>[1]

const streamState = Effect.gen(function* () {
  const { manager, prefix } = yield* NatsClient
  const topology = Topology.make(prefix)
  return yield* Effect.promise(() => manager.streams.info(topology.eventsStream))
})

/** Last stream sequence of each kind's subject. */
const lastSeqs = Effect.gen(function* () {
  const { manager, prefix } = yield* NatsClient
  const topology = Topology.make(prefix)
  const entries = yield* Effect.forEach(kinds, (kind) =>
    Effect.promise(() =>
      manager.streams
        .getMessage(topology.eventsStream, { last_by_subj: topology.eventSubject(kind) })
        .then((m) => [kind, m.seq] as const),
    ),
  )
  return new Map<string, number>(entries)
})

const ackFloors = (consumerName: (kind: Topology.EventKind) => string) =>
  Effect.gen(function* () {
    const { manager, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const entries = yield* Effect.forEach(
      kinds,
      (kind) =>
        Effect.promise(() => manager.consumers.info(topology.eventsStream, consumerName(kind))).pipe(
          Effect.map((info) => [kind, info.ack_floor.stream_seq] as const),
        ),
      { concurrency: 2 },
    )
    return new Map<string, number>(entries)
  })

const waitForFloors = (consumerName: (kind: Topology.EventKind) => string, targets: Map<string, number>) =>
  ackFloors(consumerName).pipe(
    Effect.delay("20 millis"),
    Effect.repeat({ until: (floors) => kinds.every((k) => (floors.get(k) ?? 0) >= (targets.get(k) ?? 0)) }),
  )

/**
 * Waits until the processor's /metrics count `total` events applied (acknowledged), or until
 * that count stops moving for 5 s (dead letters, retries: the ack floors decide then). Polled
 * instead of the consumers' ack floors while the processor drains: a consumer info request
 * while a consumer still reads the stream's last message block makes nats-server 2.9.10
 * recount that consumer's pending messages on every later delivery (`FilteredState`, a scan to
 * the end of the block each time); the 20 ms floor polling cost it ~8 µs of CPU per event here.
 */
const waitForApplied = (
  applied: Effect.Effect<{ impression: number; click: number; score: number }, Error>,
  total: number,
) =>
  Effect.gen(function* () {
    let last = -1
    let since = performance.now()
    for (;;) {
      const counts = yield* Effect.orDie(applied)
      const sum = counts.impression + counts.click + counts.score
      if (sum >= total) return
      if (sum !== last) {
        last = sum
        since = performance.now()
      } else if (performance.now() - since > 5_000) return
      yield* Effect.sleep("20 millis")
    }
  })

/** Raw consume-and-ack of the backlog by fresh durable consumers, one per kind as the processor has. */
const baseline = (settings: Settings, targets: Map<string, number>) =>
  Effect.gen(function* () {
    const { manager, jetstream, prefix } = yield* NatsClient
    const topology = Topology.make(prefix)
    const name = (kind: Topology.EventKind) => `bench-baseline-${kind}`
    for (const kind of kinds) {
      yield* Effect.promise(() =>
        manager.consumers.add(topology.eventsStream, {
          durable_name: name(kind),
          filter_subject: topology.eventSubject(kind),
          ack_policy: "explicit",
          deliver_policy: "all",
          ack_wait: 30_000_000_000,
          max_ack_pending: 50_000,
        } as ConsumerConfig),
      )
    }
    const started = performance.now()
    yield* Effect.forEach(
      kinds,
      (kind) =>
        Effect.promise(async () => {
          const consumer = await jetstream.consumers.get(topology.eventsStream, name(kind))
          const messages = await consumer.consume({ max_messages: settings.maxInFlight })
          const last = targets.get(kind) ?? 0
          for await (const msg of messages) {
            msg.ack()
            if (msg.seq >= last) break
          }
          messages.stop()
        }),
      { concurrency: 2 },
    )
    yield* waitForFloors(name, targets)
    return performance.now() - started
  })

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

const peakRss = (pid: number) => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match ? Number(match[1]) * 1024 : NaN
  } catch {
    return NaN
  }
}

/** Publishes fresh events at `rate`/s and measures each one's publish-to-applied lag. */
const measureLag = (campaigns: ReadonlyArray<TestEvents.SeededCampaign>, rate: number) =>
  Effect.gen(function* () {
    const publisher = yield* EventPublisher
    const { impressions, clicks } = generate(campaigns, lagEvents)
    // A click follows its impression in the same tick, as it would from a fast user.
    const events: Array<Events.Event> = []
    const clicksByClient = new Map(clicks.map((c) => [`${c.campaign_id}/${c.client_id}`, c]))
    for (const i of impressions) {
      events.push(i)
      const c = clicksByClient.get(`${i.campaign_id}/${i.client_id}`)
      if (c) events.push(c)
    }
    const pending: Array<{ kind: Topology.EventKind; seq: number; at: number }> = []
    const lags: Record<string, Array<number>> = { impression: [], click: [] }
    const tick = 10
    const perTick = Math.max(1, Math.round((rate * tick) / 1000))
    let stop = false
    const poller = Effect.gen(function* () {
      const { prefix } = yield* NatsClient
      const topology = Topology.make(prefix)
      while (!stop || pending.length > 0) {
        const floors = yield* ackFloors(topology.consumerName)
        const now = performance.now()
        for (let i = pending.length - 1; i >= 0; i--) {
          const p = pending[i]!
          if ((floors.get(p.kind) ?? 0) >= p.seq) {
            lags[p.kind]!.push(now - p.at)
            pending.splice(i, 1)
          }
        }
        yield* Effect.sleep("5 millis")
      }
    })
    const polling = yield* Effect.fork(poller)
    const began = performance.now()
    for (let offset = 0; offset < events.length; offset += perTick) {
      const slice = events.slice(offset, offset + perTick)
      const at = performance.now()
      yield* Effect.forEach(
        slice,
        (event) =>
          publisher
            .publish(event)
            .pipe(Effect.tap((ack) => pending.push({ kind: event._tag, seq: ack.seq, at }))),
        { concurrency: "unbounded", discard: true },
      )
      const due = began + ((offset + perTick) / rate) * 1000
      const wait = due - performance.now()
      if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
    }
    const achievedRate = events.length / ((performance.now() - began) / 1000)
    stop = true
    yield* polling.await
    const all = [...lags.impression!, ...lags.click!].sort((a, b) => a - b)
    const sorted = (xs: Array<number>) => [...xs].sort((a, b) => a - b)
    return {
      events: events.length,
      targetRate: rate,
      achievedRate,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      max: all[all.length - 1] ?? NaN,
      impressionP50: percentile(sorted(lags.impression!), 50),
      impressionP99: percentile(sorted(lags.impression!), 99),
      clickP50: percentile(sorted(lags.click!), 50),
      clickP99: percentile(sorted(lags.click!), 99),
    }
  })

const runOne = (settings: Settings) =>
  Effect.gen(function* () {
    const { id } = yield* TestNamespace
    const urls = yield* StackUrls
    const publisher = yield* EventPublisher
    yield* Effect.logInfo(`[${id}] seeding ${campaignCount} campaigns`)
    const campaigns = yield* Effect.forEach(
      Array.from({ length: campaignCount }),
      () => TestEvents.seedCampaign,
      {
        concurrency: 4,
      },
    )
    const { impressions, clicks } = generate(campaigns, eventCount)
    const published = impressions.length + clicks.length
    yield* Effect.logInfo(`[${id}] publishing ${published} events`)
    const publishStart = performance.now()
    // Impressions and clicks interleaved in chunks, so clicks mostly follow their impressions.
    const chunk = 10_000
    const clickChunk = Math.round((chunk * clicks.length) / impressions.length)
    for (let i = 0, j = 0; i < impressions.length; i += chunk, j += clickChunk) {
      yield* publisher.publishAll(impressions.slice(i, i + chunk))
      yield* publisher.publishAll(
        clicks.slice(j, i + chunk >= impressions.length ? undefined : j + clickChunk),
      )
    }
    const publishMs = performance.now() - publishStart
    const targets = yield* lastSeqs
    const stream = yield* streamState

    yield* Effect.logInfo(`[${id}] baseline: raw consume and ack`)
    const baselineCpu = ProcessCpu.measure(servers)
    const benchCpuStart = process.cpuUsage()
    const baselineMs = yield* baseline(settings, targets)
    const benchCpu = process.cpuUsage(benchCpuStart)
    const baselineCpuSeconds = new Map([
      ...baselineCpu(),
      ["bench consumer", (benchCpu.user + benchCpu.system) / 1e6],
    ])

    yield* Effect.logInfo(`[${id}] processor ${JSON.stringify(settings)}`)
    const pg = new URL(urls.postgres)
    pg.pathname = `/${id}`
    const processorEnv: ProcessorProcess.ProcessorEnv = {
      natsUrl: urls.nats,
      redisUrl: urls.redis,
      pgUrl: pg.toString(),
      clickhouseUrl: urls.clickhouse,
      namespace: id,
      settings: {
        LANES: String(settings.lanes),
        BATCH_SIZE: String(settings.batchSize),
        BATCH_WINDOW_MS: String(settings.batchWindowMs),
        MAX_IN_FLIGHT: String(settings.maxInFlight),
      },
    }
    const processor = yield* ProcessorProcess.start({ ...processorEnv, memoryProbeMs: 250 })
    const processorCpu = ProcessCpu.measure(new Map([...servers, ["processor", processor.pid]]))
    const processStart = performance.now()
    const { prefix } = yield* NatsClient
    yield* waitForApplied(processor.applied, published)
    yield* waitForFloors(Topology.make(prefix).consumerName, targets)
    const processMs = performance.now() - processStart
    const processorCpuSeconds = processorCpu()
    const drained = yield* processor.applied
    const underLoad = processor.memory()
    const scraped = yield* Effect.tryPromise(() =>
      fetch(`http://127.0.0.1:${processor.metricsPort}/metrics`).then((r) => r.text()),
    )
    const retries = Number(/adflow_processor_click_retries_total (\d+)/.exec(scraped)?.[1] ?? 0)
    const failedBatches = Number(
      /adflow_processor_batches_total\{outcome="failed"\} (\d+)/.exec(scraped)?.[1] ?? 0,
    )
    const batches = Number(/adflow_processor_batches_total\{outcome="ok"\} (\d+)/.exec(scraped)?.[1] ?? 0)
    // Each is a consumer info request, which nats-server 2.9 pays for on later deliveries.
    const floorRequests = Number(/adflow_processor_floor_requests_total (\d+)/.exec(scraped)?.[1] ?? 0)

    const throughput = published / (processMs / 1000)
    const baselineRate = published / (baselineMs / 1000)
    const lagRate = args["lag-rate"] === undefined ? Math.round(throughput / 2) : Number(args["lag-rate"])
    yield* Effect.logInfo(`[${id}] lag at ${lagRate} events/s`)
    const lag = yield* measureLag(campaigns, lagRate)
    const rssPeak = peakRss(processor.pid)
    yield* processor.terminate

    // Replay of the whole stream (everything already applied, so it must change nothing) by the
    // CLI in a process of its own, as an operator runs it.
    yield* Effect.logInfo(`[${id}] replay of the whole stream`)
    const replayCpu = ProcessCpu.measure(servers)
    const replayReapedBefore = ProcessCpu.reapedChildrenSeconds(process.pid)
    const replayStart = performance.now()
    const replay = yield* ReplayProcess.run(processorEnv)
    const replayWallMs = performance.now() - replayStart
    const replayCpuSeconds = new Map([
      ...replayCpu(),
      ["replay", ProcessCpu.reapedChildrenSeconds(process.pid) - replayReapedBefore],
    ])
    // The CLI's last line: "replay: 620,000 / 620,000 events (100.0%) … done in 17.3s".
    const finished = /([\d,]+) \/ [\d,]+ events.* done in ([\d.]+)s/.exec(replay.output)
    if (finished === null) return yield* Effect.dieMessage(`replay printed no summary:\n${replay.output}`)
    const replayedEvents = Number(finished[1]!.replaceAll(",", ""))
    const replayRate = replayedEvents / Number(finished[2])

    const max = (f: (m: ProcessorProcess.MemorySample) => number) =>
      underLoad.reduce((m, s) => Math.max(m, f(s)), 0)
    return {
      settings,
      published,
      streamBytes: stream.state.bytes,
      publishRate: published / (publishMs / 1000),
      baselineRate,
      throughput,
      ratio: throughput / baselineRate,
      applied: drained,
      clickRetries: retries,
      floorRequests,
      batches,
      failedBatches,
      processorLogTail: processor.output().split("\n").slice(-5),
      memory: {
        rssPeakMB: rssPeak / 2 ** 20,
        rssMaxSampledMB: max((s) => s.rss) / 2 ** 20,
        heapUsedMaxMB: max((s) => s.heapUsed) / 2 ** 20,
        heapTotalMaxMB: max((s) => s.heapTotal) / 2 ** 20,
      },
      lag,
      // rate: over the replay itself, as the CLI timed it; wallRate: with the process's start-up.
      replay: { events: replayedEvents, rate: replayRate, wallRate: replayedEvents / (replayWallMs / 1000) },
      cpuMicrosPerEvent: {
        baseline: cpuPerEvent(baselineCpuSeconds, published),
        processor: cpuPerEvent(processorCpuSeconds, published),
        replay: cpuPerEvent(replayCpuSeconds, replayedEvents),
      },
    }
  }).pipe(Effect.scoped, Effect.provide(Live))

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits })

const program = Effect.gen(function* () {
  yield* Effect.logInfo(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${fmt(totalmem() / 2 ** 30, 1)} GiB, node ${process.version}`,
  )
  const results = []
  for (const settings of sweep) {
    const result = yield* runOne(settings)
    results.push(result)
    console.log(JSON.stringify(result))
  }
  console.log(
    "\n| lanes | batch | window ms | in flight | events | baseline ev/s | processor ev/s | ratio | lag p50 ms | lag p99 ms | RSS peak MB | heap max MB | replay ev/s |",
  )
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
  for (const r of results) {
    const s = r.settings
    console.log(
      `| ${s.lanes} | ${s.batchSize} | ${s.batchWindowMs} | ${s.maxInFlight} | ${fmt(r.published)} | ${fmt(r.baselineRate)} | ${fmt(r.throughput)} | ${fmt(r.ratio * 100)}% | ${fmt(r.lag.p50)} | ${fmt(r.lag.p99)} | ${fmt(r.memory.rssPeakMB)} | ${fmt(r.memory.heapUsedMaxMB)} | ${fmt(r.replay.rate)} |`,
    )
  }
})

program.pipe(Logger.withMinimumLogLevel(LogLevel.Info), Effect.runPromise).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
