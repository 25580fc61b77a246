import { ClickHouse } from "@adflow/analytics"
import { NatsClient } from "@adflow/bus"
import { RedisClient } from "@adflow/counters"
import { ProcessorConfig, ProcessorServices } from "@adflow/processor"
import { PgDatabase } from "@adflow/store"
import { Layer } from "effect"

/** The four servers, configured from the environment exactly as the services are. */
export const Servers = Layer.mergeAll(
  NatsClient.layerConfig,
  RedisClient.layerConfig,
  PgDatabase.layerConfig,
  ClickHouse.layerConfig,
)

/** What replay and rebuild need: the processor's batch handler and its stores, over the servers. */
export const ProcessorRuntime = ProcessorServices.pipe(
  Layer.provideMerge(ProcessorConfig.layerConfig),
  Layer.provideMerge(Servers),
)
