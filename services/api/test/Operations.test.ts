import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ClickHouse } from "@adflow/analytics"
import { TestStack } from "@adflow/testkit"
import { Readiness } from "../src/Readiness.js"
import { randomUUID } from "node:crypto"
import { api, apiLayer, client, createCampaign, day, raw, registerClients, setup } from "./harness.js"
import { Targeting } from "@adflow/domain"

layer(apiLayer({ processor: false }), { excludeTestServices: true })("operations", (it) => {
  it.effect("healthz and readyz answer ok when every server answers", () =>
    Effect.gen(function* () {
      const http = yield* api
      assert.deepStrictEqual(yield* http.system.healthz(), { status: "ok" })
      assert.deepStrictEqual(yield* http.system.readyz(), { status: "ok" })
    }),
  )

  it.effect("serves the OpenAPI document and the interactive docs", () =>
    Effect.gen(function* () {
      const spec = yield* raw("GET", "/openapi.json")
      assert.strictEqual(spec.status, 200)
      const paths = Object.keys((spec.body as { paths: Record<string, unknown> }).paths)
      assert.includeMembers(paths, ["/ads", "/clients/bulk", "/stats/campaigns/{campaignId}/daily"])
      const docs = yield* raw("GET", "/docs").pipe(Effect.map((a) => a.status))
      assert.strictEqual(docs, 200)
    }),
  )

  it.effect("/metrics exposes per-route latency and ad counters in Prometheus text", () =>
    Effect.gen(function* () {
      const location = `m-${randomUUID()}`
      const advertiser = yield* setup(1)
      yield* createCampaign(advertiser, { start_date: day(1), targeting: { ...Targeting.none, location } })
      const someone = client({ location })
      yield* registerClients([someone])
      assert.strictEqual((yield* raw("GET", `/ads?client_id=${someone.client_id}`)).status, 200)
      assert.strictEqual((yield* raw("GET", `/clients/${someone.client_id}`)).status, 200)
      const metrics = yield* raw("GET", "/metrics").pipe(Effect.map((a) => a.text))
      assert.include(
        metrics,
        'http_server_request_duration_seconds_count{http_route="/ads",http_request_method="GET",http_response_status_code="200"}',
      )
      assert.include(
        metrics,
        'http_server_request_duration_seconds_bucket{http_route="/clients/:clientId",http_request_method="GET",http_response_status_code="200",le="+Inf"}',
      )
      assert.match(metrics, /^adflow_ads_served_total [1-9]/m)
      assert.include(metrics, 'adflow_ads_refused_total{reason="no_candidate"}')
    }),
  )

  it.effect("an unknown route answers 404, not 500", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* raw("GET", "/nowhere")).status, 404)
    }),
  )
})

layer(TestStack.layer, { excludeTestServices: true })("readiness", (it) => {
  it.effect("names the server that does not answer", () =>
    Effect.gen(function* () {
      const readiness = yield* Readiness
      const failing = yield* readiness.failing
      assert.lengthOf(failing, 1)
      assert.match(failing[0]!, /^ClickHouse \(/)
    }).pipe(
      Effect.provide(
        Readiness.Default.pipe(
          // Nothing listens on port 1.
          Layer.provide(ClickHouse.layer({ url: "http://127.0.0.1:1", database: "nowhere" })),
        ),
      ),
    ),
  )
})
