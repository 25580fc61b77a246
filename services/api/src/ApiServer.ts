import { ClickHouse, StatsQueries } from "@adflow/analytics"
import { ChangeFeed, EventPublisher, NatsClient } from "@adflow/bus"
import { Counters, ImpressionOutbox, RedisClient } from "@adflow/counters"
import { Api } from "@adflow/domain"
import { StoreLayer } from "@adflow/store"
import { HttpApiBuilder, HttpApiScalar, HttpServerResponse } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { AdServing } from "./AdServing.js"
import * as AdsRoute from "./AdsRoute.js"
import { CampaignIndex } from "./CampaignIndex.js"
import { ClickRecording } from "./ClickRecording.js"
import { ClientCache } from "./ClientCache.js"
import { CurrentDay } from "./CurrentDay.js"
import { AdsHandlers } from "./handlers/AdsHandlers.js"
import { AdvertisersHandlers } from "./handlers/AdvertisersHandlers.js"
import { CampaignsHandlers } from "./handlers/CampaignsHandlers.js"
import { ClientsHandlers } from "./handlers/ClientsHandlers.js"
import { MlScoresHandlers } from "./handlers/MlScoresHandlers.js"
import { StatisticsHandlers } from "./handlers/StatisticsHandlers.js"
import { SystemHandlers } from "./handlers/SystemHandlers.js"
import { TimeHandlers } from "./handlers/TimeHandlers.js"
import * as HttpMetrics from "./HttpMetrics.js"
import { KnownAdvertisers } from "./KnownAdvertisers.js"
import { FastRoutes } from "./NodeServer.js"
import * as OutboxRelay from "./OutboxRelay.js"
import { Readiness } from "./Readiness.js"
import * as RequestObserver from "./RequestObserver.js"
import * as ServingMetrics from "./ServingMetrics.js"

/** The services the handlers use, over the four server clients. */
const Backends = Layer.mergeAll(
  StoreLayer,
  Counters.layer,
  ImpressionOutbox.layer,
  EventPublisher.Default,
  ChangeFeed.Default,
  StatsQueries.Default,
  Readiness.Default,
)

const Caches = Layer.mergeAll(
  CurrentDay.Default,
  ClientCache.Default,
  CampaignIndex.Default,
  KnownAdvertisers.Default,
)

const Decisions = Layer.mergeAll(AdServing.Default, ClickRecording.Default, OutboxRelay.layer)

const Handlers = Layer.mergeAll(
  ClientsHandlers,
  AdvertisersHandlers,
  MlScoresHandlers,
  CampaignsHandlers,
  AdsHandlers,
  StatisticsHandlers,
  TimeHandlers,
  SystemHandlers,
)

/**
 * The contract implemented (`HttpApi.Api`), its caches loaded, over the server clients in context;
 * with the decisions (`AdServing`) for the fast lane.
 */
export const ApiLive = HttpApiBuilder.api(Api.AdflowApi).pipe(
  Layer.provide(Handlers),
  Layer.provideMerge(Decisions),
  Layer.provide(Caches),
  Layer.provideMerge(Backends),
)

const MetricsRoute = HttpApiBuilder.Router.use((router) =>
  router.get(
    "/metrics",
    Effect.sync(() =>
      HttpServerResponse.text(HttpMetrics.render() + ServingMetrics.render(), {
        contentType: "text/plain; version=0.0.4; charset=utf-8",
      }),
    ),
  ),
)

export interface ServerOptions {
  /** One log line per request. */
  readonly logRequests: boolean
}

/** `GET /ads` on node:http ahead of the platform, when the server offers `FastRoutes` (`NodeServer`). */
const AdsFastLane = (options: ServerOptions) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const routes = yield* Effect.serviceOption(FastRoutes)
      if (Option.isSome(routes)) yield* routes.value.add(yield* AdsRoute.make(options))
    }),
  )

/**
 * Serves the API on the `HttpServer` in context: the contract (malformed input answered 400 with
 * the contract's error body), `/openapi.json`, interactive docs at `/docs`, and `/metrics`. On
 * `NodeServer`, `GET /ads` skips the platform's request handling (same answers; see `AdsRoute`).
 */
export const layer = (options: ServerOptions) =>
  Layer.merge(
    HttpApiBuilder.serve(RequestObserver.make(options)).pipe(
      Layer.provide([
        HttpApiBuilder.middlewareOpenApi(),
        HttpApiScalar.layer({ path: "/docs" }),
        MetricsRoute,
        Api.DecodeErrorsAsBadRequest,
      ]),
    ),
    AdsFastLane(options),
  ).pipe(Layer.provide(ApiLive))

/** What `layer` needs besides an `HttpServer`. */
export type Clients = NatsClient | RedisClient | SqlClient.SqlClient | ClickHouse
