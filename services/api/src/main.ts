import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { ApiConfig } from "./ApiConfig.js"

const router = HttpRouter.empty.pipe(HttpRouter.get("/healthz", HttpServerResponse.json({ status: "ok" })))

const ServerLive = Layer.unwrapEffect(
  Effect.map(ApiConfig, ({ port, host }) => NodeHttpServer.layer(createServer, { port, host })),
)

const main = HttpServer.serve(router).pipe(HttpServer.withLogAddress, Layer.provide(ServerLive))

NodeRuntime.runMain(Layer.launch(main))
