import { Config, Effect, Layer } from "effect"
import { createServer } from "node:http"
import * as ProcessorMetrics from "./ProcessorMetrics.js"

/** Serves the processor's counters as Prometheus text on ADFLOW_METRICS_PORT (GET /metrics). */
export const layer = Layer.scopedDiscard(
  Effect.gen(function* () {
    const port = yield* Config.port("ADFLOW_METRICS_PORT").pipe(Config.withDefault(9464))
    const server = createServer((request, response) => {
      if (request.url === "/metrics") {
        response
          .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
          .end(ProcessorMetrics.render())
      } else response.writeHead(404).end()
    })
    yield* Effect.acquireRelease(
      Effect.async<void, Error>((resume) => {
        server.once("error", (error) => resume(Effect.fail(error)))
        server.listen(port, "0.0.0.0", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
        }),
    )
    yield* Effect.logInfo(`processor metrics on :${port}/metrics`)
  }),
)
