import type { Effect } from "effect"

/** One `adflow <name>` sub-command. `run` gets the arguments after the command's name. */
export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  readonly run: (args: ReadonlyArray<string>) => Effect.Effect<void, unknown>
}
