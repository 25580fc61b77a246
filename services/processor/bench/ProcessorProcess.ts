import { Data, Duration, Effect, Schedule } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

/** Where the processor service lives; `node --import tsx src/main.ts` runs from there. */
const serviceDir = fileURLToPath(new URL("..", import.meta.url))
const memoryProbe = fileURLToPath(new URL("./memoryProbe.ts", import.meta.url))

/** What a processor process needs to find its namespace on a stack. */
export interface ProcessorEnv {
  readonly natsUrl: string
  readonly redisUrl: string
  /** A URL naming the database to use. */
  readonly pgUrl: string
  readonly clickhouseUrl: string
  /** The namespace: NATS prefix, Redis key prefix (plus ":") and ClickHouse database. */
  readonly namespace: string
  /** ADFLOW_PROCESSOR_* settings, e.g. `{ LANES: "8" }`. */
  readonly settings?: Readonly<Record<string, string>>
  /** Print `BENCH_MEM {json}` lines with process.memoryUsage() every this many ms. */
  readonly memoryProbeMs?: number
}

/** The environment a processor (or the CLI acting as one) reads its servers and settings from. */
export const environment = (env: ProcessorEnv): NodeJS.ProcessEnv => ({
  ...process.env,
  ...Object.fromEntries(
    Object.entries(env.settings ?? {}).map(([key, value]) => [`ADFLOW_PROCESSOR_${key}`, value]),
  ),
  ADFLOW_NATS_URL: env.natsUrl,
  ADFLOW_NATS_PREFIX: env.namespace,
  ADFLOW_REDIS_URL: env.redisUrl,
  ADFLOW_REDIS_PREFIX: `${env.namespace}:`,
  ADFLOW_PG_URL: env.pgUrl,
  ADFLOW_CLICKHOUSE_URL: env.clickhouseUrl,
  ADFLOW_CLICKHOUSE_DATABASE: env.namespace,
})

export class ProcessorExited extends Data.TaggedError("ProcessorExited")<{
  readonly code: number | null
  readonly signal: string | null
  readonly output: string
}> {}

export interface MemorySample {
  readonly rss: number
  readonly heapUsed: number
  readonly heapTotal: number
}

/** A running processor child process. */
export interface ProcessorProcess {
  readonly pid: number
  readonly metricsPort: number
  readonly child: ChildProcess
  /** The last lines it wrote, for failure messages. */
  readonly output: () => string
  readonly memory: () => ReadonlyArray<MemorySample>
  /** Events it applied and acknowledged, by kind, from its /metrics. */
  readonly applied: Effect.Effect<{ impression: number; click: number; score: number }, Error>
  /** SIGKILL by pid, waiting until the process is gone. */
  readonly kill: Effect.Effect<void>
  /** SIGTERM by pid, waiting until it exits (it finishes its in-flight batches first). */
  readonly terminate: Effect.Effect<void>
}

export const freePort = Effect.async<number, Error>((resume) => {
  const server = createServer()
  server.once("error", (error) => resume(Effect.fail(error)))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const exited = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

const signal = (child: ChildProcess, name: NodeJS.Signals) =>
  Effect.suspend(() => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Effect.void
    try {
      process.kill(child.pid, name)
    } catch {
      // Already gone.
    }
    return exited(child)
  })

const metricPattern = /^adflow_processor_events_total\{kind="(\w+)"\} (\d+)$/gm

/**
 * Starts `node --import tsx src/main.ts` (the real processor service) as a child process,
 * scoped: SIGKILLed by its pid when the scope closes if still running. Ready once its /metrics
 * answers, which happens after provisioning and migrations.
 */
export const start = (env: ProcessorEnv) =>
  Effect.gen(function* () {
    const metricsPort = yield* freePort
    const probe = env.memoryProbeMs === undefined ? [] : ["--import", memoryProbe]
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        // PROCESSOR_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"): node refuses --cpu-prof in NODE_OPTIONS.
        spawn(process.execPath, [...nodeFlags(), "--import", "tsx", ...probe, "src/main.ts"], {
          cwd: serviceDir,
          stdio: ["ignore", "pipe", "pipe"],
          env: {
            ...environment(env),
            ADFLOW_METRICS_PORT: String(metricsPort),
            ADFLOW_MEMORY_PROBE_MS: String(env.memoryProbeMs ?? ""),
          },
        }),
      ),
      (child) => signal(child, "SIGKILL"),
    )
    const lines: Array<string> = []
    const memory: Array<MemorySample> = []
    const collector = () => {
      let rest = ""
      return (chunk: Buffer) => {
        const parts = (rest + chunk.toString("utf8")).split("\n")
        rest = parts.pop() ?? ""
        for (const line of parts) {
          if (line.startsWith("BENCH_MEM ")) memory.push(JSON.parse(line.slice(10)) as MemorySample)
          else if (line.trim() !== "") {
            lines.push(line)
            if (lines.length > 200) lines.shift()
          }
        }
      }
    }
    child.stdout!.on("data", collector())
    child.stderr!.on("data", collector())
    const output = () => lines.join("\n")

    const scrape = Effect.tryPromise({
      try: () =>
        fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((response) => {
          if (!response.ok) throw new Error(`/metrics answered ${response.status}`)
          return response.text()
        }),
      catch: (error) => (error instanceof Error ? error : new Error(String(error))),
    })
    const applied = Effect.map(scrape, (text) => {
      const totals = { impression: 0, click: 0, score: 0 }
      for (const [, kind, value] of text.matchAll(metricPattern)) {
        if (kind === "impression" || kind === "click" || kind === "score") totals[kind] = Number(value)
      }
      return totals
    })

    const stillRunning = Effect.suspend(() =>
      child.exitCode === null && child.signalCode === null
        ? Effect.void
        : Effect.fail(
            new ProcessorExited({ code: child.exitCode, signal: child.signalCode, output: output() }),
          ),
    )
    // Ready when /metrics answers; fails at once if the process dies while starting.
    yield* Effect.zipRight(stillRunning, scrape).pipe(
      Effect.retry({
        while: (error) => !(error instanceof ProcessorExited),
        schedule: Schedule.spaced("100 millis").pipe(Schedule.upTo(Duration.seconds(90))),
      }),
      Effect.orDie,
    )

    return {
      pid: child.pid!,
      metricsPort,
      child,
      output,
      memory: () => memory,
      applied,
      kill: signal(child, "SIGKILL"),
      terminate: signal(child, "SIGTERM"),
    } satisfies ProcessorProcess
  })

/**
 * The flags the processor and the CLI are deployed with (infra/local/start.sh, the Dockerfile,
 * the CLI's `adflow` script), then PROCESSOR_NODE_FLAGS.
 */
export const nodeFlags = (): Array<string> => [
  "--max-semi-space-size=64",
  ...(process.env.PROCESSOR_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== ""),
]
