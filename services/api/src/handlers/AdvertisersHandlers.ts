import { Api, Errors } from "@adflow/domain"
import { type ConstraintViolation, AdvertiserRepo, type AdvertiserRow } from "@adflow/store"
import type { SqlError } from "@effect/sql/SqlError"
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { KnownAdvertisers } from "../KnownAdvertisers.js"
import { orUnavailable } from "../Unavailable.js"

export const AdvertisersHandlers = HttpApiBuilder.group(Api.AdflowApi, "advertisers", (handlers) =>
  Effect.gen(function* () {
    const repo = yield* AdvertiserRepo
    const known = yield* KnownAdvertisers
    return handlers
      .handle("getAdvertiserById", ({ path }) =>
        repo.findById(path.advertiserId).pipe(
          Effect.flatMap(
            Option.match({
              onNone: () => Effect.fail(Errors.notFound("advertiser", path.advertiserId)),
              onSome: Effect.succeed,
            }),
          ),
          orUnavailable,
        ),
      )
      .handle("upsertAdvertisers", ({ payload }) =>
        Effect.suspend((): Effect.Effect<ReadonlyArray<AdvertiserRow>, SqlError | ConstraintViolation> =>
          repo.upsertMany(payload),
        ).pipe(
          Effect.tap(known.stored),
          Effect.catchTag("ConstraintViolation", (violation) =>
            Effect.fail(Errors.badRequest(Errors.Code.invalidRequest, violation.message)),
          ),
          orUnavailable,
        ),
      )
  }),
)
