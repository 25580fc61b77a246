import { HttpApiSchema } from "@effect/platform"
import type { HttpApiDecodeError } from "@effect/platform/HttpApiError"
import { Schema } from "effect"

/**
 * The errors that reach HTTP. In process they are `Schema.TaggedError`s (so they can be
 * yielded, caught by tag and carried over NATS); on the wire every one of them has the same
 * body, `{"error": code, "message": text, "field"?: name}`, without the `_tag` (see the
 * `*Response` schemas, which are what `AdflowApi` declares).
 */

/** Machine-readable `error` codes; the HTTP status already says which class it is. */
export const Code = {
  /** The request did not match the contract's schema (bad JSON shape, UUID, enum, range...). */
  invalidRequest: "invalid_request",
  /** start_date or end_date lies before the current day. */
  dateInPast: "date_in_past",
  /** start_date is after end_date. */
  startAfterEnd: "start_after_end",
  notFound: "not_found",
  /** A field that is locked once the campaign has started was changed. */
  campaignStarted: "campaign_started",
  /** A click on an ad that this client was never shown. */
  adNotShown: "ad_not_shown",
  /** A dependency is down or the read-your-writes barrier did not settle in time. */
  unavailable: "service_unavailable",
} as const

const fields = {
  error: Schema.String,
  message: Schema.String,
  field: Schema.optionalWith(Schema.String, { exact: true }),
}

/** The body every error answers with. */
export const ErrorBody = Schema.Struct(fields)
export type ErrorBody = typeof ErrorBody.Type

export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  fields,
  HttpApiSchema.annotations({ status: 400 }),
) {}

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  fields,
  HttpApiSchema.annotations({ status: 404 }),
) {}

/** A well-formed request that the current state forbids (e.g. changing limits after the start). */
export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  fields,
  HttpApiSchema.annotations({ status: 409 }),
) {}

export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  fields,
  HttpApiSchema.annotations({ status: 503 }),
) {}

export type HttpError = BadRequest | NotFound | Conflict | ServiceUnavailable

/** Drops the `_tag` on the way out and restores it on the way in, so the wire body is `ErrorBody`. */
const wire = <Tag extends string, E extends { readonly _tag: Tag } & ErrorBody>(
  errorClass: Schema.Schema<E, { readonly _tag: Tag } & ErrorBody>,
  tag: Tag,
  status: number,
) =>
  Schema.transform(ErrorBody, errorClass, {
    strict: true,
    decode: (body) => ({ ...body, _tag: tag }),
    encode: ({ _tag, ...body }) => body,
  }).annotations({ ...HttpApiSchema.annotations({ status }), identifier: tag })

export const BadRequestResponse = wire(BadRequest, "BadRequest", 400)
export const NotFoundResponse = wire(NotFound, "NotFound", 404)
export const ConflictResponse = wire(Conflict, "Conflict", 409)
export const ServiceUnavailableResponse = wire(ServiceUnavailable, "ServiceUnavailable", 503)

const withField = (field: string | undefined): { readonly field?: string } =>
  field === undefined ? {} : { field }

export const badRequest = (error: string, message: string, field?: string): BadRequest =>
  new BadRequest({ error, message, ...withField(field) })

export const notFound = (what: string, id: string): NotFound =>
  new NotFound({ error: Code.notFound, message: `${what} ${id} not found` })

export const conflict = (error: string, message: string, field?: string): Conflict =>
  new Conflict({ error, message, ...withField(field) })

export const serviceUnavailable = (reason: string): ServiceUnavailable =>
  new ServiceUnavailable({ error: Code.unavailable, message: reason })

const pathToField = (path: ReadonlyArray<PropertyKey>): string | undefined =>
  path.length === 0 ? undefined : path.map(String).join(".")

/**
 * The platform's schema failure (raised for path, query, headers and body) as our 400:
 * `field` is the path of the first issue (`targeting.age_from`, `clientId`, `0.client_id`).
 */
export const fromDecodeError = (decodeError: HttpApiDecodeError): BadRequest => {
  const issues = decodeError.issues
  const first = issues[0]
  const message =
    issues.length === 0
      ? decodeError.message
      : issues
          .map((issue) => {
            const field = pathToField(issue.path)
            return field === undefined ? issue.message : `${field}: ${issue.message}`
          })
          .join("; ")
  return badRequest(Code.invalidRequest, message, first === undefined ? undefined : pathToField(first.path))
}
