import { Config, Context, Duration, Effect, Layer } from "effect"

export interface ProcessorSettings {
  /** Fibers that apply events; a campaign's events always go to the same lane, so they apply in order. */
  readonly lanes: number
  /** A lane writes when it has this many events... */
  readonly batchSize: number
  /** ...or when its oldest unwritten event has waited this long. */
  readonly batchWindow: Duration.Duration
  /** Unacknowledged messages each consumer keeps in flight from the server. */
  readonly maxInFlight: number
  /** How many deliveries a click gets to find its impression before it is dead-lettered. */
  readonly clickAttempts: number
}

export class ProcessorConfig extends Context.Tag("@adflow/processor/ProcessorConfig")<
  ProcessorConfig,
  ProcessorSettings
>() {
  static readonly defaults: ProcessorSettings = {
    lanes: 4,
    batchSize: 1000,
    batchWindow: Duration.millis(20),
    maxInFlight: 5_000,
    clickAttempts: 10,
  }

  static readonly layer = (settings: Partial<ProcessorSettings> = {}) =>
    Layer.succeed(ProcessorConfig, { ...ProcessorConfig.defaults, ...settings })

  static readonly layerConfig = Layer.effect(
    ProcessorConfig,
    Effect.map(
      Config.all({
        lanes: Config.integer("ADFLOW_PROCESSOR_LANES").pipe(Config.withDefault(4)),
        batchSize: Config.integer("ADFLOW_PROCESSOR_BATCH_SIZE").pipe(Config.withDefault(1000)),
        batchWindowMs: Config.integer("ADFLOW_PROCESSOR_BATCH_WINDOW_MS").pipe(Config.withDefault(20)),
        maxInFlight: Config.integer("ADFLOW_PROCESSOR_MAX_IN_FLIGHT").pipe(Config.withDefault(5000)),
        clickAttempts: Config.integer("ADFLOW_PROCESSOR_CLICK_ATTEMPTS").pipe(Config.withDefault(10)),
      }),
      ({ batchWindowMs, ...rest }): ProcessorSettings => ({
        ...rest,
        batchWindow: Duration.millis(batchWindowMs),
      }),
    ),
  )
}
