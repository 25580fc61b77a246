import { HttpClient, HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FastRoutes } from "../src/NodeServer.js"
import * as NodeServer from "../src/NodeServer.js"

const platformApp = HttpRouter.empty.pipe(
  HttpRouter.get("/fast", HttpServerResponse.text("platform: fast")),
  HttpRouter.get("/slow", HttpServerResponse.text("platform: slow")),
)

const get = (path: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) => client.get(path)).pipe(
    Effect.flatMap((response) => response.text),
    Effect.scoped,
  )

layer(Layer.provideMerge(HttpServer.serve(platformApp), NodeServer.layerTest))("NodeServer", (it) => {
  it.scoped("a fast route answers what it takes, the platform the rest, until the route's scope ends", () =>
    Effect.gen(function* () {
      const routes = yield* FastRoutes
      assert.strictEqual(yield* get("/fast"), "platform: fast")
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* routes.add((request, response) => {
            if (request.url !== "/fast") return false
            response.writeHead(200, { "content-type": "text/plain" }).end("node: fast")
            return true
          })
          assert.strictEqual(yield* get("/fast"), "node: fast")
          assert.strictEqual(yield* get("/slow"), "platform: slow")
        }),
      )
      assert.strictEqual(yield* get("/fast"), "platform: fast")
    }),
  )
})
