import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Schema } from "effect"

/** A write broke one of the tables' rules (a check, a not-null or a reference); nothing was stored. */
export class ConstraintViolation extends Schema.TaggedError<ConstraintViolation>()("ConstraintViolation", {
  constraint: Schema.String,
  message: Schema.String,
}) {}

/** A campaign named an advertiser that does not exist; nothing was stored. */
export class AdvertiserMissing extends Schema.TaggedError<AdvertiserMissing>()("AdvertiserMissing", {
  advertiser_id: Schema.String,
}) {}

// PostgreSQL's SQLSTATE codes for the integrity violations a caller can cause with bad input.
const integrityViolations = new Set(["23502", "23503", "23514"])

interface PgErrorFields {
  readonly code?: unknown
  readonly constraint?: unknown
  readonly message?: unknown
}

const pgFields = (error: SqlError): PgErrorFields =>
  typeof error.cause === "object" && error.cause !== null ? (error.cause as PgErrorFields) : {}

/** The SQLSTATE code of the server error behind a SqlError, if any. */
export const pgCode = (error: SqlError): string | undefined => {
  const { code } = pgFields(error)
  return typeof code === "string" ? code : undefined
}

/** Turns integrity violations into `ConstraintViolation`; other SQL errors pass through. */
export const classifyIntegrity = <A, R>(
  effect: Effect.Effect<A, SqlError, R>,
): Effect.Effect<A, SqlError | ConstraintViolation, R> =>
  Effect.catchTag(effect, "SqlError", (error): Effect.Effect<never, SqlError | ConstraintViolation> => {
    if (!integrityViolations.has(pgCode(error) ?? "")) return Effect.fail(error)
    const fields = pgFields(error)
    return Effect.fail(
      new ConstraintViolation({
        constraint: typeof fields.constraint === "string" ? fields.constraint : "unknown",
        message: typeof fields.message === "string" ? fields.message : error.message,
      }),
    )
  })
