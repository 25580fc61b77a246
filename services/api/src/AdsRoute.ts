import { type Ad, ClientId, Errors } from "@adflow/domain"
import { Cause, Effect, Exit, Option, Runtime, Schema } from "effect"
import type * as Http from "node:http"
import { AdServing, type Failure } from "./AdServing.js"
import * as HttpMetrics from "./HttpMetrics.js"
import type { FastRoute } from "./NodeServer.js"
import { unavailableFor } from "./Unavailable.js"

const decodeClientId = Schema.decodeUnknownOption(ClientId)
const encodeNotFound = Schema.encodeSync(Errors.NotFoundResponse)
const encodeUnavailable = Schema.encodeSync(Errors.ServiceUnavailableResponse)

// What `decodeClientId` accepts as it stands, checked without the schema's objects per call
// (they were a twentieth of the request's garbage); anything else is left to the schema.
const LOWER_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const clientIdOf = (text: string): Option.Option<ClientId> =>
  LOWER_CASE_UUID.test(text) ? Option.some(text as ClientId) : decodeClientId(text)

const PLAIN_PREFIX = "/ads?client_id="
const PLAIN_LENGTH = PLAIN_PREFIX.length + 36

/**
 * The client of `GET /ads?client_id=<uuid>`, or none for anything else, including every request
 * the contract answers 400 (no, several or a malformed `client_id`): those take the HttpApi path,
 * so their answers stay the contract's own.
 */
export const clientOf = (method: string | undefined, url: string | undefined): Option.Option<ClientId> => {
  if (method !== "GET" || url === undefined || !url.startsWith("/ads?")) return Option.none()
  // The usual request, `client_id` alone and as long as a UUID: no parameters object. Whatever
  // `decodeClientId` accepts has no escapes, so it is what URLSearchParams would answer.
  if (url.length === PLAIN_LENGTH && url.startsWith(PLAIN_PREFIX))
    return clientIdOf(url.slice(PLAIN_PREFIX.length))
  const ids = new URLSearchParams(url.slice("/ads?".length)).getAll("client_id")
  return ids.length === 1 ? decodeClientId(ids[0]) : Option.none()
}

const sendText = (response: Http.ServerResponse, status: number, text: string, bytes: number) => {
  response.writeHead(status, ["content-type", "application/json", "content-length", bytes])
  response.end(text)
}

const send = (response: Http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  sendText(response, status, text, Buffer.byteLength(text))
}

// `AdServing` answers one object per campaign version, so its text is written once, not per request.
const adTexts = new WeakMap<Ad.Ad, { readonly text: string; readonly bytes: number }>()
const sendAd = (response: Http.ServerResponse, ad: Ad.Ad) => {
  let written = adTexts.get(ad)
  if (written === undefined) {
    const text = JSON.stringify(ad)
    written = { text, bytes: Buffer.byteLength(text) }
    adTexts.set(ad, written)
  }
  sendText(response, 200, written.text, written.bytes)
}

/**
 * Writes the answer the HttpApi endpoint would (the same statuses and bodies, infrastructure
 * failures as `orUnavailable` words them); answers the status.
 */
export const answer = (response: Http.ServerResponse, exit: Exit.Exit<Ad.Ad, Failure>) => {
  if (Exit.isSuccess(exit)) {
    sendAd(response, exit.value)
    return 200
  }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (error._tag === "NotFound") {
      send(response, 404, encodeNotFound(error))
      return 404
    }
    const unavailable = unavailableFor(error)
    if (unavailable !== undefined) {
      send(response, 503, encodeUnavailable(unavailable))
      return 503
    }
  }
  response.writeHead(500, ["content-length", 0]).end()
  return 500
}

/**
 * `GET /ads` on node:http (see `NodeServer`): the same decision as the HttpApi handler
 * (`AdServing.serveWith`, which `serve` wraps), with the same answers, latency metric and request
 * log, without the platform's per-request work. The request runs no Effect: the decision is plain
 * code around its I/O calls, and its answer, metric and log are written from its exit (CPU is
 * what the request is short of).
 * A client that hangs up does not interrupt the decision: once admitted, the impression is
 * published either way.
 */
export const make = (options: {
  readonly logRequests: boolean
}): Effect.Effect<FastRoute, never, AdServing> =>
  Effect.gen(function* () {
    const serving = yield* AdServing
    const runtime = yield* Effect.runtime<never>()
    const runFork = Runtime.runFork(runtime)

    const finish = (
      request: Http.IncomingMessage,
      response: Http.ServerResponse,
      started: number,
      exit: Exit.Exit<Ad.Ad, Failure>,
    ) => {
      const status = answer(response, exit)
      const seconds = (performance.now() - started) / 1000
      HttpMetrics.observe("/ads", "GET", status, seconds)
      if (status === 503 || status === 500) {
        const cause = (exit as Exit.Failure<Ad.Ad, Failure>).cause
        runFork(
          status === 503
            ? Effect.logWarning("dependency failure", Cause.squash(cause))
            : Effect.logError("GET /ads failed", cause),
        )
      }
      if (options.logRequests)
        runFork(
          Effect.logInfo(`GET ${request.url} ${status}`).pipe(
            Effect.annotateLogs({
              http_route: "/ads",
              http_status: status,
              duration_ms: Math.round(seconds * 100_000) / 100,
            }),
          ),
        )
    }

    return (request, response) => {
      const clientId = clientOf(request.method, request.url)
      if (Option.isNone(clientId)) return false
      const started = performance.now()
      serving.serveWith(clientId.value, (exit) => finish(request, response, started, exit))
      return true
    }
  })
