import { HttpServer, HttpServerError } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer, type Scope } from "effect"
import type { LazyArg } from "effect/Function"
import * as Http from "node:http"
import type * as Net from "node:net"

/**
 * A route answered straight on node:http, ahead of the platform's router. Answers false, having
 * touched nothing, for a request it does not take; the platform then serves it.
 */
export type FastRoute = (request: Http.IncomingMessage, response: Http.ServerResponse) => boolean

/** Installs fast routes on the server in context, for the lifetime of the scope. */
export class FastRoutes extends Context.Tag("@adflow/api/FastRoutes")<
  FastRoutes,
  { readonly add: (route: FastRoute) => Effect.Effect<void, never, Scope.Scope> }
>() {}

type Handler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/**
 * The API's HTTP server: the platform's `HttpServer` on node:http (what `HttpApiBuilder.serve`
 * serves the contract on), with `FastRoutes` tried first on every request. The platform's server
 * alone costs about three times node:http's CPU per request (a fiber, its request object, the
 * router, middleware and response conversion: 14,000 against 47,000 answers/s for a constant JSON
 * body on the benchmark machine), so the hottest route answers from node:http directly.
 * No WebSocket upgrades (the API has none).
 */
export const make = (evaluate: LazyArg<Http.Server>, options: Net.ListenOptions) =>
  Effect.gen(function* () {
    const server = yield* Effect.acquireRelease(Effect.sync(evaluate), (server) =>
      Effect.async<void>((resume) => {
        if (!server.listening) return resume(Effect.void)
        server.close(() => resume(Effect.void))
      }),
    )
    yield* Effect.async<void, HttpServerError.ServeError>((resume) => {
      const onError = (cause: Error) => resume(Effect.fail(new HttpServerError.ServeError({ cause })))
      server.on("error", onError)
      server.listen(options, () => {
        server.off("error", onError)
        resume(Effect.void)
      })
    })

    const routes: Array<FastRoute> = []
    let platform: Handler | undefined
    const dispatch: Handler = (request, response) => {
      for (const route of routes) if (route(request, response)) return
      if (platform !== undefined) return platform(request, response)
      response.writeHead(503).end()
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => server.on("request", dispatch)),
      () => Effect.sync(() => server.off("request", dispatch)),
    )

    const address = server.address()!
    const httpServer = HttpServer.make({
      address:
        typeof address === "string"
          ? { _tag: "UnixAddress", path: address }
          : {
              _tag: "TcpAddress",
              hostname: address.address === "::" ? "0.0.0.0" : address.address,
              port: address.port,
            },
      serve: (app, middleware) =>
        Effect.gen(function* () {
          const handler = yield* middleware === undefined
            ? NodeHttpServer.makeHandler(app)
            : NodeHttpServer.makeHandler(app, middleware)
          yield* Effect.acquireRelease(
            Effect.sync(() => {
              platform = handler
            }),
            () =>
              Effect.sync(() => {
                if (platform === handler) platform = undefined
              }),
          )
        }),
    })

    const fastRoutes = FastRoutes.of({
      add: (route) =>
        Effect.acquireRelease(
          Effect.sync(() => routes.push(route)),
          () => Effect.sync(() => routes.splice(routes.indexOf(route), 1)),
        ).pipe(Effect.asVoid),
    })
    return Context.make(HttpServer.HttpServer, httpServer).pipe(Context.add(FastRoutes, fastRoutes))
  })

/** The server listening (`options`: port and host), with the platform services a Node server brings. */
export const layer = (evaluate: LazyArg<Http.Server>, options: Net.ListenOptions) =>
  Layer.merge(Layer.scopedContext(make(evaluate, options)), NodeHttpServer.layerContext)

/** On a free port, with an `HttpClient` that sends relative URLs to it (as `NodeHttpServer.layerTest`). */
export const layerTest = HttpServer.layerTestClient.pipe(
  Layer.provide(NodeHttpClient.layerWithoutAgent),
  Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: false })),
  Layer.provideMerge(layer(Http.createServer, { port: 0 })),
)
