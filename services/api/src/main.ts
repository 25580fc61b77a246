import { ClickHouse } from "@adflow/analytics"
import { NatsClient, Provisioning } from "@adflow/bus"
import { RedisClient } from "@adflow/counters"
import { PgDatabase } from "@adflow/store"
import { HttpServer } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { ApiConfig } from "./ApiConfig.js"
import * as ApiServer from "./ApiServer.js"
import * as NodeServer from "./NodeServer.js"

const Clients = Layer.mergeAll(
  NatsClient.layerConfig,
  RedisClient.layerConfig,
  PgDatabase.layerConfig,
  ClickHouse.layerConfig,
)

// Streams and consumers exist before the first event is published (safe to repeat).
const Provisioned = Layer.effectDiscard(Provisioning.provision())

const Server = Layer.unwrapEffect(
  Effect.map(ApiConfig, ({ port, host, logRequests }) =>
    ApiServer.layer({ logRequests }).pipe(
      HttpServer.withLogAddress,
      Layer.provide(NodeServer.layer(createServer, { port, host })),
    ),
  ),
)

// SIGTERM interrupts the launched layer: the server stops accepting, in-flight requests end,
// then NATS drains and the pools close.
NodeRuntime.runMain(Layer.launch(Server.pipe(Layer.provide(Provisioned), Layer.provide(Clients))))
