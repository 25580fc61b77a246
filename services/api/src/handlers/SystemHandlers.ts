import { Api, Errors } from "@adflow/domain"
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Readiness } from "../Readiness.js"

export const SystemHandlers = HttpApiBuilder.group(Api.AdflowApi, "system", (handlers) =>
  Effect.gen(function* () {
    const readiness = yield* Readiness
    return handlers
      .handle("healthz", () => Effect.succeed({ status: "ok" as const }))
      .handle("readyz", () =>
        readiness.failing.pipe(
          Effect.flatMap((failing) =>
            failing.length === 0
              ? Effect.succeed({ status: "ok" as const })
              : Effect.fail(Errors.serviceUnavailable(`not answering: ${failing.join(", ")}`)),
          ),
        ),
      )
  }),
)
