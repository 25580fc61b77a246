import { ConfigProvider, Effect, Layer } from "effect"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

/**
 * A stack instance of the test's own, so its servers can be stopped and restarted without
 * disturbing the shared test stack. Its port offset is the first of `CANDIDATE_OFFSETS` whose
 * ports are all free, so it never collides with an instance someone else runs (dev is 0, test 100),
 * nor with a run of this test that is still going.
 */
const CANDIDATE_OFFSETS = Array.from({ length: 20 }, (_, i) => 300 + 100 * i)
/** The ports `infra/local/stack.sh` uses at offset 0. */
const BASE_PORTS = [14222, 18222, 16379, 15432, 18123, 19000, 19009]

const repo = fileURLToPath(new URL("../../..", import.meta.url))
/** The instance's name: its data, logs and pid files live in `.stack/<name>`, one folder per offset. */
const instance = (offset: number) => `resilience-${offset}`

export type Server = "nats" | "redis" | "postgres" | "clickhouse"

const portFree = (port: number) =>
  Effect.async<boolean>((resume) => {
    const probe = createServer()
    probe.once("error", () => resume(Effect.succeed(false)))
    probe.listen(port, "127.0.0.1", () => probe.close(() => resume(Effect.succeed(true))))
  })

const freeOffset = Effect.gen(function* () {
  for (const offset of CANDIDATE_OFFSETS) {
    const free = yield* Effect.forEach(BASE_PORTS, (port) => portFree(port + offset))
    if (free.every(Boolean)) return offset
  }
  return yield* Effect.dieMessage(`no free port offset among ${CANDIDATE_OFFSETS.join(", ")}`)
})

const stackCommand = (offset: number, command: "up" | "down" | "reset") =>
  Effect.async<void, Error>((resume) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ADFLOW_STACK_PORT_OFFSET: String(offset) }
    delete env.ADFLOW_STACK_DIR
    delete env.ADFLOW_STACK_NAME
    execFile(
      "bash",
      [`${repo}infra/local/stack.sh`, command, "--name", instance(offset)],
      { env },
      (error, _out, err) =>
        resume(error ? Effect.fail(new Error(`stack.sh ${command}: ${error.message}\n${err}`)) : Effect.void),
    )
  })

let chosenOffset: number | undefined

/** Starts whatever of the private stack is not running (the layer must be built). */
export const up = Effect.suspend(() =>
  chosenOffset === undefined
    ? Effect.dieMessage("the private stack is not running")
    : stackCommand(chosenOffset, "up"),
)

/**
 * The private stack, started on a free offset and reset when the layer is released, with a
 * config provider that points every server URL at it.
 */
export const layer = Layer.unwrapScoped(
  Effect.gen(function* () {
    const offset = yield* freeOffset
    yield* Effect.acquireRelease(Effect.orDie(stackCommand(offset, "up")), () =>
      Effect.ignore(Effect.zipRight(stackCommand(offset, "down"), stackCommand(offset, "reset"))),
    )
    chosenOffset = offset
    return Layer.setConfigProvider(
      ConfigProvider.fromJson({
        ADFLOW_NATS_URL: `nats://127.0.0.1:${14222 + offset}`,
        ADFLOW_REDIS_URL: `redis://127.0.0.1:${16379 + offset}`,
        ADFLOW_PG_URL: `postgres://postgres@127.0.0.1:${15432 + offset}/postgres`,
        ADFLOW_CLICKHOUSE_URL: `http://127.0.0.1:${18123 + offset}`,
      }),
    )
  }),
)

/** The pid the stack runner recorded for a server (PostgreSQL's is its postmaster.pid's first line). */
export const pidOf = (server: Server): number => {
  if (chosenOffset === undefined) throw new Error("the private stack is not running")
  const stackDir = `${repo}.stack/${instance(chosenOffset)}`
  const file =
    server === "postgres"
      ? `${readFileSync(`${stackDir}/pg.location`, "utf8").trim()}/postmaster.pid`
      : `${stackDir}/${server}.pid`
  return Number(readFileSync(file, "utf8").split("\n")[0])
}
