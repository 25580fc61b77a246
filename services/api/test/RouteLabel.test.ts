import { assert, describe, it } from "@effect/vitest"
import * as HttpMetrics from "../src/HttpMetrics.js"
import * as RouteLabel from "../src/RouteLabel.js"

describe("RouteLabel", () => {
  const routeOf = RouteLabel.make([["GET", "/metrics"]])

  it("answers the contract's template, literal paths before parameters", () => {
    assert.strictEqual(routeOf("POST", "/clients/bulk"), "/clients/bulk")
    assert.strictEqual(routeOf("GET", "/clients/abc"), "/clients/:clientId")
    assert.strictEqual(routeOf("GET", "/ads?client_id=1"), "/ads")
    assert.strictEqual(routeOf("GET", "/stats/campaigns/x/daily"), "/stats/campaigns/:campaignId/daily")
    assert.strictEqual(
      routeOf("PUT", "/advertisers/a/campaigns/b"),
      "/advertisers/:advertiserId/campaigns/:campaignId",
    )
    assert.strictEqual(routeOf("GET", "/metrics"), "/metrics")
    assert.strictEqual(routeOf("HEAD", "/healthz"), "/healthz")
  })

  it("answers 'unmatched' for anything else, so labels stay few", () => {
    assert.strictEqual(routeOf("GET", "/nowhere/at/all"), RouteLabel.UNMATCHED)
    assert.strictEqual(routeOf("DELETE", "/ads"), RouteLabel.UNMATCHED)
  })
})

describe("HttpMetrics", () => {
  it("renders cumulative buckets, sum and count per label set", () => {
    HttpMetrics.observe("/test-route", "GET", 200, 0.003)
    HttpMetrics.observe("/test-route", "GET", 200, 0.2)
    const text = HttpMetrics.render()
    const labels = 'http_route="/test-route",http_request_method="GET",http_response_status_code="200"'
    assert.include(text, "# TYPE http_server_request_duration_seconds histogram")
    assert.include(text, `http_server_request_duration_seconds_bucket{${labels},le="0.0025"} 0`)
    assert.include(text, `http_server_request_duration_seconds_bucket{${labels},le="0.005"} 1`)
    assert.include(text, `http_server_request_duration_seconds_bucket{${labels},le="0.25"} 2`)
    assert.include(text, `http_server_request_duration_seconds_bucket{${labels},le="+Inf"} 2`)
    assert.include(text, `http_server_request_duration_seconds_count{${labels}} 2`)
  })
})
