import { type Ad, ClientId, Errors } from "@adflow/domain"
import { Cause, Effect, Exit, Option, Runtime, Schema } from "effect"
import type * as Http from "node:http"
import { AdServing } from "./AdServing.js"
import * as HttpMetrics from "./HttpMetrics.js"
import type { FastRoute } from "./NodeServer.js"
import { orUnavailable } from "./Unavailable.js"

const decodeClientId = Schema.decodeUnknownOption(ClientId)
const encodeNotFound = Schema.encodeSync(Errors.NotFoundResponse)
const encodeUnavailable = Schema.encodeSync(Errors.ServiceUnavailableResponse)

/**
 * The client of `GET /ads?client_id=<uuid>`, or none for anything else, including every request
 * the contract answers 400 (no, several or a malformed `client_id`): those take the HttpApi path,
 * so their answers stay the contract's own.
 */
export const clientOf = (method: string | undefined, url: string | undefined): Option.Option<ClientId> => {
  if (method !== "GET" || url === undefined || !url.startsWith("/ads?")) return Option.none()
  const ids = new URLSearchParams(url.slice("/ads?".length)).getAll("client_id")
  return ids.length === 1 ? decodeClientId(ids[0]) : Option.none()
}

const send = (response: Http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  })
  response.end(text)
}

/** Writes the answer the HttpApi endpoint would (the same statuses and bodies); answers the status. */
const answer = (
  response: Http.ServerResponse,
  exit: Exit.Exit<Ad.Ad, Errors.NotFound | Errors.ServiceUnavailable>,
) => {
  if (Exit.isSuccess(exit)) {
    send(response, 200, exit.value)
    return 200
  }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (error._tag === "NotFound") send(response, 404, encodeNotFound(error))
    else send(response, 503, encodeUnavailable(error))
    return error._tag === "NotFound" ? 404 : 503
  }
  response.writeHead(500, { "content-length": 0 }).end()
  return 500
}

/**
 * `GET /ads` on node:http (see `NodeServer`): the same `AdServing.serve` as the HttpApi handler,
 * with the same answers, latency metric and request log, without the platform's per-request work.
 * A client that hangs up does not interrupt the decision: once admitted, the impression is
 * published either way.
 */
export const make = (options: {
  readonly logRequests: boolean
}): Effect.Effect<FastRoute, never, AdServing> =>
  Effect.gen(function* () {
    const serving = yield* AdServing
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())

    const handle = (clientId: ClientId, request: Http.IncomingMessage, response: Http.ServerResponse) => {
      const started = performance.now()
      return serving.serve(clientId).pipe(
        orUnavailable,
        Effect.exit,
        Effect.flatMap((exit) => {
          const status = answer(response, exit)
          const seconds = (performance.now() - started) / 1000
          HttpMetrics.observe("/ads", "GET", status, seconds)
          const logged = options.logRequests
            ? Effect.logInfo(`GET ${request.url} ${status}`).pipe(
                Effect.annotateLogs({
                  http_route: "/ads",
                  http_status: status,
                  duration_ms: Math.round(seconds * 100_000) / 100,
                }),
              )
            : Effect.void
          return status === 500 && Exit.isFailure(exit)
            ? Effect.zipRight(Effect.logError("GET /ads failed", exit.cause), logged)
            : logged
        }),
      )
    }

    return (request, response) => {
      const clientId = clientOf(request.method, request.url)
      if (Option.isNone(clientId)) return false
      runFork(handle(clientId.value, request, response))
      return true
    }
  })
