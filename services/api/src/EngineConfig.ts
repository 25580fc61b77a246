import { Engine } from "@adflow/domain"
import { Config } from "effect"

/**
 * The engine's policy for this instance: `Engine.Ranking.defaultPolicy`, with what to do when
 * the client has seen every eligible campaign overridable by `ADFLOW_ENGINE_REPEATS`
 * (`serve`, the default, or `never`), so simulator runs can compare the two without a rebuild.
 */
export const policy: Config.Config<Engine.Ranking.Policy> = Config.literal(
  "serve",
  "never",
)("ADFLOW_ENGINE_REPEATS").pipe(
  Config.withDefault(Engine.Ranking.defaultPolicy.repeats),
  Config.map((repeats) => ({ ...Engine.Ranking.defaultPolicy, repeats })),
)
