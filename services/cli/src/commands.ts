import type { Command } from "./Command.js"
import { MigrateCommand } from "./MigrateCommand.js"
import { SimulateCommand } from "./SimulateCommand.js"

/** Every `adflow` sub-command, in the order `adflow help` lists them. */
export const commands: ReadonlyArray<Command> = [MigrateCommand, SimulateCommand]
