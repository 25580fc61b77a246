import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { HttpDriver } from "../../src/simulate/HttpDriver.js"

/**
 * The driver is an HTTP client, so it is tested against a real (tiny) HTTP server that answers
 * with the status named in the path and echoes the request; nothing here stands in for the API.
 */
const listen = Effect.acquireRelease(
  Effect.async<Server>((resume) => {
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (chunk) => (body += chunk))
      req.on("end", () => {
        const status = Number(req.url!.split("/")[1]) || 200
        if (req.url!.endsWith("/text")) {
          res.writeHead(status, { "content-type": "text/plain" }).end("plain words")
          return
        }
        if (status === 204) {
          res.writeHead(204).end()
          return
        }
        res.writeHead(status, { "content-type": "application/json" }).end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            type: req.headers["content-type"] ?? null,
            body,
          }),
        )
      })
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void))),
)

const baseUrl = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`

describe("HttpDriver", () => {
  it.scoped("counts answers by status, 5xx and 404, and times only timed requests", () =>
    Effect.gen(function* () {
      const driver = new HttpDriver(baseUrl(yield* listen))
      yield* driver.request("GET", "/200/a", undefined, { timed: true })
      yield* driver.request("GET", "/404/a", undefined, { timed: true })
      yield* driver.request("GET", "/404/b")
      yield* driver.request("GET", "/500/a")
      yield* driver.request("GET", "/503/a")
      yield* driver.request("POST", "/204/a", { x: 1 })
      assert.strictEqual(driver.status5xx, 2)
      assert.strictEqual(driver.status404, 2)
      assert.deepStrictEqual(Object.fromEntries(driver.statuses), { 200: 1, 204: 1, 404: 2, 500: 1, 503: 1 })
      assert.lengthOf(driver.latencies, 2)
      for (const ms of driver.latencies) assert.isTrue(ms >= 0)
      assert.strictEqual(driver.networkErrors, 0)
    }),
  )

  it.scoped("sends JSON bodies and parses JSON answers; keeps non-JSON as text; empty as undefined", () =>
    Effect.gen(function* () {
      const driver = new HttpDriver(baseUrl(yield* listen))
      const reply = yield* driver.request("PUT", "/200/x?client_id=1", { a: [1] })
      assert.deepStrictEqual(reply.body, {
        method: "PUT",
        url: "/200/x?client_id=1",
        type: "application/json",
        body: '{"a":[1]}',
      })
      assert.strictEqual((yield* driver.request("GET", "/200/text")).body, "plain words")
      const empty = yield* driver.request("POST", "/204/a")
      assert.strictEqual(empty.status, 204)
      assert.isUndefined(empty.body)
    }),
  )

  it.scoped("expectOk fails on anything but 2xx, with the answer in the message", () =>
    Effect.gen(function* () {
      const driver = new HttpDriver(baseUrl(yield* listen))
      assert.strictEqual((yield* driver.expectOk("GET", "/201/a")).status, 201)
      const exit = yield* Effect.exit(driver.expectOk("GET", "/409/a"))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "409")
    }),
  )

  it.effect("a server that does not answer is a network error (status 0), not a crash", () =>
    Effect.gen(function* () {
      const port = yield* Effect.scoped(
        Effect.map(listen, (server) => (server.address() as AddressInfo).port),
      )
      const driver = new HttpDriver(`http://127.0.0.1:${port}`)
      const reply = yield* driver.request("GET", "/ads", undefined, { timed: true })
      assert.strictEqual(reply.status, 0)
      assert.strictEqual(driver.networkErrors, 1)
      assert.strictEqual(driver.status5xx, 0)
      assert.strictEqual(driver.statuses.size, 0)
    }),
  )
})
