import { Data, Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as ProcessorProcess from "./ProcessorProcess.js"

/** The CLI package; `node --import tsx src/main.ts replay` runs from there, as `npm run adflow -- replay` does. */
const cliDir = fileURLToPath(new URL("../../cli", import.meta.url))

export class ReplayExited extends Data.TaggedError("ReplayExited")<{
  readonly code: number | null
  readonly signal: string | null
  readonly output: string
}> {}

/**
 * Runs `adflow replay` over the whole stream in a process of its own, as an operator would, and
 * waits for it to finish. SIGKILLed by its pid if interrupted. Fails with its last output unless
 * it exits with 0.
 */
export const run = (env: ProcessorProcess.ProcessorEnv) =>
  Effect.async<{ readonly pid: number; readonly output: string }, ReplayExited>((resume) => {
    const child = spawn(
      process.execPath,
      [...ProcessorProcess.nodeFlags(), "--import", "tsx", "src/main.ts", "replay"],
      { cwd: cliDir, stdio: ["ignore", "pipe", "pipe"], env: ProcessorProcess.environment(env) },
    )
    const lines: Array<string> = []
    const collect = (chunk: Buffer) => {
      lines.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((line) => line.trim() !== ""),
      )
      lines.splice(0, Math.max(0, lines.length - 50))
    }
    child.stdout.on("data", collect)
    child.stderr.on("data", collect)
    child.once("exit", (code, signal) => {
      const output = lines.join("\n")
      resume(
        code === 0
          ? Effect.succeed({ pid: child.pid!, output })
          : Effect.fail(new ReplayExited({ code, signal, output })),
      )
    })
    return Effect.sync(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, "SIGKILL")
      }
    })
  })
