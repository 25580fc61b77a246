import type { Command } from "./Command.js"
import { MigrateCommand } from "./MigrateCommand.js"
import { RebuildCommand } from "./RebuildCommand.js"
import { ReplayCommand } from "./ReplayCommand.js"
import { SeedCommand } from "./SeedCommand.js"
import { SimulateCommand } from "./SimulateCommand.js"

/** Every `adflow` sub-command, in the order `adflow help` lists them. */
export const commands: ReadonlyArray<Command> = [
  MigrateCommand,
  SeedCommand,
  ReplayCommand,
  RebuildCommand,
  SimulateCommand,
]
