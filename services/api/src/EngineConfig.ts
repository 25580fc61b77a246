import { Engine } from "@adflow/domain"
import { Config } from "effect"

/**
 * The engine's policy for this instance: `Engine.Ranking.defaultPolicy`, overridable so that
 * simulator runs can compare settings without a rebuild: `ADFLOW_ENGINE_REPEATS` (`serve`, the
 * default, or `never`: what to do when the client has seen every eligible campaign),
 * `ADFLOW_ENGINE_RELEVANCE_WEIGHT`, `ADFLOW_ENGINE_PACING_MIN` / `_MAX` / `_GAIN`
 * (`Engine.Pacing.Policy`; min = max = 1 turns pacing off).
 */
const { defaultPolicy } = Engine.Ranking

export const policy: Config.Config<Engine.Ranking.Policy> = Config.all({
  repeats: Config.string("ADFLOW_ENGINE_REPEATS").pipe(
    Config.withDefault("serve"),
    Config.validate({
      message: "must be serve or never",
      validation: (value): value is Engine.Ranking.Policy["repeats"] =>
        value === "serve" || value === "never",
    }),
  ),
  relevanceWeight: Config.number("ADFLOW_ENGINE_RELEVANCE_WEIGHT").pipe(
    Config.withDefault(defaultPolicy.relevanceWeight),
  ),
  minFactor: Config.number("ADFLOW_ENGINE_PACING_MIN").pipe(
    Config.withDefault(defaultPolicy.pacing.minFactor),
  ),
  maxFactor: Config.number("ADFLOW_ENGINE_PACING_MAX").pipe(
    Config.withDefault(defaultPolicy.pacing.maxFactor),
  ),
  gain: Config.number("ADFLOW_ENGINE_PACING_GAIN").pipe(Config.withDefault(defaultPolicy.pacing.gain)),
}).pipe(
  Config.map(({ repeats, relevanceWeight, minFactor, maxFactor, gain }) => ({
    ...defaultPolicy,
    repeats,
    relevanceWeight,
    pacing: { minFactor, maxFactor, gain },
  })),
)
