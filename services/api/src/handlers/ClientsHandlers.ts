import { Api, Errors } from "@adflow/domain"
import { type ConstraintViolation, ClientRepo, type ClientRow } from "@adflow/store"
import type { SqlError } from "@effect/sql/SqlError"
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { ClientCache } from "../ClientCache.js"
import { orUnavailable } from "../Unavailable.js"

export const ClientsHandlers = HttpApiBuilder.group(Api.AdflowApi, "clients", (handlers) =>
  Effect.gen(function* () {
    const repo = yield* ClientRepo
    const cache = yield* ClientCache
    return handlers
      .handle("getClientById", ({ path }) =>
        cache.get(path.clientId).pipe(
          Effect.flatMap(
            Option.match({
              onNone: () => Effect.fail(Errors.notFound("client", path.clientId)),
              onSome: Effect.succeed,
            }),
          ),
          orUnavailable,
        ),
      )
      .handle("upsertClients", ({ payload }) =>
        Effect.suspend((): Effect.Effect<ReadonlyArray<ClientRow>, SqlError | ConstraintViolation> =>
          repo.upsertMany(payload),
        ).pipe(
          Effect.tap(cache.stored),
          Effect.catchTag("ConstraintViolation", (violation) =>
            Effect.fail(Errors.badRequest(Errors.Code.invalidRequest, violation.message)),
          ),
          orUnavailable,
        ),
      )
  }),
)
