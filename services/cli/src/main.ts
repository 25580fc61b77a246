import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { UsageError } from "./Args.js"
import type { Command } from "./Command.js"
import { commands } from "./commands.js"

const help = (list: ReadonlyArray<Command>) =>
  ["usage: adflow <command> [options]", "", ...list.map((c) => `  ${c.usage.padEnd(64)} ${c.summary}`)].join(
    "\n",
  )

const [name, ...args] = process.argv.slice(2)
const command = commands.find((c) => c.name === name)

const program =
  command === undefined
    ? Effect.sync(() => {
        console.error(
          name === undefined || name === "help" || name === "--help"
            ? help(commands)
            : `adflow: unknown command '${name}'\n\n${help(commands)}`,
        )
        process.exitCode = name === undefined || name === "help" || name === "--help" ? 0 : 2
      })
    : command.run(args).pipe(
        Effect.catchIf(
          (e): e is UsageError => e instanceof UsageError,
          (e) =>
            Effect.sync(() => {
              console.error(`adflow ${command.name}: ${e.message}\nusage: ${command.usage}`)
              process.exitCode = 2
            }),
        ),
      )

NodeRuntime.runMain(program)
