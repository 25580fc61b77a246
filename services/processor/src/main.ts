import { AnalyticsMigrations, ClickHouse } from "@adflow/analytics"
import { NatsClient, Provisioning } from "@adflow/bus"
import { RedisClient } from "@adflow/counters"
import { PgDatabase } from "@adflow/store"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as MetricsServer from "./MetricsServer.js"
import { ProcessorConfig } from "./ProcessorConfig.js"
import * as ProcessorLive from "./ProcessorLive.js"

// Streams and consumers are provisioned by every instance at start (idempotent); the schema
// must already be migrated (`adflow migrate`), ClickHouse's is checked here too.
const Ready = Layer.effectDiscard(Effect.zipRight(Provisioning.provision(), AnalyticsMigrations.run))

const Servers = Layer.mergeAll(
  NatsClient.layerConfig,
  RedisClient.layerConfig,
  PgDatabase.layerConfig,
  ClickHouse.layerConfig,
)

const Main = Layer.mergeAll(ProcessorLive.layerWithConfig, MetricsServer.layer).pipe(
  Layer.provide(Ready),
  Layer.provide(ProcessorConfig.layerConfig),
  Layer.provide(Servers),
)

NodeRuntime.runMain(Layer.launch(Main))
