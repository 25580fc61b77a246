import { Errors } from "@adflow/domain"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { clientOf } from "../src/AdsRoute.js"
import { apiLayer, clientId, raw, setup } from "./harness.js"

describe("which requests GET /ads answers on node:http", () => {
  it("takes exactly one well-formed client_id, and leaves every request the contract refuses to it", () => {
    const id = clientId()
    assert.deepStrictEqual(clientOf("GET", `/ads?client_id=${id}`), Option.some(id))
    assert.deepStrictEqual(clientOf("GET", `/ads?utm=x&client_id=${id}`), Option.some(id))
    assert.deepStrictEqual(clientOf("GET", `/ads?client_id=${encodeURIComponent(id)}`), Option.some(id))
    for (const [method, url] of [
      ["POST", `/ads?client_id=${id}`],
      ["HEAD", `/ads?client_id=${id}`],
      ["GET", "/ads"],
      ["GET", "/ads?"],
      ["GET", "/ads?client_id=42"],
      ["GET", `/ads?client_id=${id}&client_id=${id}`],
      ["GET", `/ads/?client_id=${id}`],
      ["GET", `/adsx?client_id=${id}`],
      ["GET", `/ads/${id}/click`],
    ] as const)
      assert.isTrue(Option.isNone(clientOf(method, url)), `${method} ${url}`)
  })
})

layer(apiLayer({ processor: false }), { excludeTestServices: true })("GET /ads on node:http", (it) => {
  it.effect("answers the contract's error body and content type", () =>
    Effect.gen(function* () {
      yield* setup(1)
      const unknown = clientId()
      const answer = yield* raw("GET", `/ads?client_id=${unknown}`)
      assert.strictEqual(answer.status, 404)
      assert.deepStrictEqual(answer.body, {
        error: Errors.Code.notFound,
        message: `client ${unknown} not found`,
      })
      const metrics = yield* raw("GET", "/metrics")
      assert.match(
        metrics.text,
        /http_server_request_duration_seconds_count\{http_route="\/ads",http_request_method="GET",http_response_status_code="404"\} [1-9]/,
      )
    }),
  )
})
