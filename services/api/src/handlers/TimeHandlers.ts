import { Api, Errors } from "@adflow/domain"
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { CurrentDay } from "../CurrentDay.js"
import { orUnavailable } from "../Unavailable.js"

export const TimeHandlers = HttpApiBuilder.group(Api.AdflowApi, "time", (handlers) =>
  Effect.gen(function* () {
    const day = yield* CurrentDay
    return handlers.handle("advanceDay", ({ payload }) =>
      day.set(payload.current_date).pipe(
        Effect.map((current_date) => ({ current_date })),
        Effect.catchTag("ConstraintViolation", (violation) =>
          Effect.fail(Errors.badRequest(Errors.Code.invalidRequest, violation.message, "current_date")),
        ),
        orUnavailable,
      ),
    )
  }),
)
