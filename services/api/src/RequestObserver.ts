import type { HttpApp } from "@effect/platform"
import { HttpServerRequest } from "@effect/platform"
import { Effect, Exit } from "effect"
import * as HttpMetrics from "./HttpMetrics.js"
import * as RouteLabel from "./RouteLabel.js"

/** Routes served beside the contract (the contract's own come from `AdflowApi`). */
export const extraRoutes = [
  ["GET", "/metrics"],
  ["GET", "/openapi.json"],
  ["GET", "/docs"],
] as const

const routeOf = RouteLabel.make(extraRoutes)

const statusOfFailure = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return 200
  if (Exit.isInterrupted(exit)) return 499
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  return (failure as { _tag?: string } | undefined)?._tag === "RouteNotFound" ? 404 : 500
}

/**
 * Server middleware: records each request's latency under its route template, and logs it
 * (one line per request) when `logRequests` is on.
 */
export const make =
  (options: { readonly logRequests: boolean }) =>
  (app: HttpApp.Default): HttpApp.Default =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const started = performance.now()
      return Effect.onExit(app, (exit) => {
        const seconds = (performance.now() - started) / 1000
        const status = Exit.isSuccess(exit) ? exit.value.status : statusOfFailure(exit)
        const route = routeOf(request.method, request.url)
        HttpMetrics.observe(route, request.method, status, seconds)
        return options.logRequests
          ? Effect.logInfo(`${request.method} ${request.url} ${status}`).pipe(
              Effect.annotateLogs({
                http_route: route,
                http_status: status,
                duration_ms: Math.round(seconds * 100_000) / 100,
              }),
            )
          : Effect.void
      })
    })
