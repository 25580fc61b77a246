import { BusError } from "@adflow/bus"
import { CountersError } from "@adflow/counters"
import { type Ad, ClientId, Errors } from "@adflow/domain"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Option, Schema } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { Failure } from "../src/AdServing.js"
import { answer, clientOf } from "../src/AdsRoute.js"
import { orUnavailable } from "../src/Unavailable.js"
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
      ["GET", `/ads?client_id=${id.slice(0, 35)}%`],
      ["GET", `/ads?client_id=${id.slice(0, 35)}+`],
      ["GET", `/ads?client_id=${id.slice(0, 34)}%41`],
      ["GET", `/ads/?client_id=${id}`],
      ["GET", `/adsx?client_id=${id}`],
      ["GET", `/ads/${id}/click`],
    ] as const)
      assert.isTrue(Option.isNone(clientOf(method, url)), `${method} ${url}`)
  })

  const idLike = fc.oneof(
    fc.uuid(),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFg-"), minLength: 36, maxLength: 36 }),
  )
  it.prop("a plain client_id is taken exactly when the schema takes it", [idLike], ([id]) => {
    assert.deepStrictEqual(clientOf("GET", `/ads?client_id=${id}`), Schema.decodeUnknownOption(ClientId)(id))
  })
})

/** A node:http server on a free port that answers every request with `answer(response, exitOf(url))`. */
const answering = (exitOf: (url: string) => Exit.Exit<Ad.Ad, Failure>) =>
  Effect.acquireRelease(
    Effect.async<Http.Server>((resume) => {
      const server = Http.createServer((request, response) => {
        answer(response, exitOf(request.url ?? ""))
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void))),
  ).pipe(Effect.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`))

describe("the answers of GET /ads on node:http", () => {
  const failures = {
    "/redis": new CountersError({ operation: "readForRequest", message: "connection lost" }),
    "/nats": new BusError({ operation: "publish x", message: "no responders" }),
    "/not-found": Errors.notFound("client", "c1"),
  } as const

  it.effect("word an infrastructure failure as the HttpApi's 503 does, and a refusal as its 404", () =>
    Effect.gen(function* () {
      const base = yield* answering((url) => Exit.fail(failures[url as keyof typeof failures]))
      for (const [path, error] of Object.entries(failures)) {
        const response = yield* Effect.promise(() => fetch(`${base}${path}`))
        const body = (yield* Effect.promise(() => response.json())) as { readonly message: string }
        const expected = yield* Effect.flip(orUnavailable(Effect.fail(error)))
        if (expected._tag === "NotFound") {
          assert.strictEqual(response.status, 404)
          assert.deepStrictEqual(body, Schema.encodeSync(Errors.NotFoundResponse)(expected))
        } else {
          assert.strictEqual(response.status, 503)
          assert.deepStrictEqual(body, Schema.encodeSync(Errors.ServiceUnavailableResponse)(expected))
          assert.match(body.message, path === "/redis" ? /^Redis is not answering/ : /^NATS is not answering/)
        }
        assert.strictEqual(response.headers.get("content-type"), "application/json")
      }
    }).pipe(Effect.scoped),
  )

  it.effect("answer a defect (a bug, never a client's input) with a bare 500, as the HttpApi does", () =>
    Effect.gen(function* () {
      const base = yield* answering(() => Exit.die(new Error("a bug in the decision")))
      const response = yield* Effect.promise(() => fetch(`${base}/ads`))
      assert.strictEqual(response.status, 500)
      assert.strictEqual(yield* Effect.promise(() => response.text()), "")
    }).pipe(Effect.scoped),
  )
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
