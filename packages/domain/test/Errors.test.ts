import { Errors } from "@adflow/domain"
import { HttpApiSchema } from "@effect/platform"
import { HttpApiDecodeError } from "@effect/platform/HttpApiError"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"

describe("Errors", () => {
  it("the wire body is {error, message, field?} without _tag, and reads back to the tagged error", () => {
    const error = Errors.badRequest("date_in_past", "start_date 1 is before the current day 2", "start_date")
    const body = Schema.encodeSync(Errors.BadRequestResponse)(error)
    assert.deepStrictEqual(body, {
      error: "date_in_past",
      message: "start_date 1 is before the current day 2",
      field: "start_date",
    })
    const back = Schema.decodeUnknownSync(Errors.BadRequestResponse)(body)
    assert.instanceOf(back, Errors.BadRequest)
    assert.deepStrictEqual(back, error)
    assert.deepStrictEqual(Schema.encodeSync(Errors.NotFoundResponse)(Errors.notFound("campaign", "c1")), {
      error: "not_found",
      message: "campaign c1 not found",
    })
    assert.deepStrictEqual(
      Schema.encodeSync(Errors.ServiceUnavailableResponse)(
        Errors.serviceUnavailable("stats are catching up"),
      ),
      { error: "service_unavailable", message: "stats are catching up" },
    )
    assert.deepStrictEqual(
      Schema.encodeSync(Errors.ConflictResponse)(
        Errors.conflict("campaign_started", "locked", "clicks_limit"),
      ),
      { error: "campaign_started", message: "locked", field: "clicks_limit" },
    )
  })

  it.effect("fromDecodeError names the first failing field", () =>
    Effect.gen(function* () {
      const schema = Schema.Struct({ targeting: Schema.Struct({ age_from: Schema.Number }) })
      const parseError = yield* Effect.flip(Schema.decodeUnknown(schema)({ targeting: { age_from: "x" } }))
      const decodeError = yield* HttpApiDecodeError.fromParseError(parseError)
      const error = Errors.fromDecodeError(decodeError)
      assert.instanceOf(error, Errors.BadRequest)
      assert.strictEqual(error.error, Errors.Code.invalidRequest)
      assert.strictEqual(error.field, "targeting.age_from")
      assert.include(error.message, "targeting.age_from: Expected number")
    }),
  )

  it("fromDecodeError without a path has no field", () => {
    const error = Errors.fromDecodeError(
      new HttpApiDecodeError({
        issues: [{ _tag: "Type", path: [], message: "Expected array" }],
        message: "m",
      }),
    )
    assert.isUndefined(error.field)
    assert.strictEqual(error.message, "Expected array")
  })

  it("the tagged errors carry their HTTP status", () => {
    const status = (schema: Schema.Schema.Any) => HttpApiSchema.getStatusErrorAST(schema.ast)
    assert.strictEqual(status(Errors.BadRequest), 400)
    assert.strictEqual(status(Errors.NotFound), 404)
    assert.strictEqual(status(Errors.Conflict), 409)
    assert.strictEqual(status(Errors.ServiceUnavailable), 503)
    assert.strictEqual(status(Errors.BadRequestResponse), 400)
    assert.strictEqual(status(Errors.NotFoundResponse), 404)
    assert.strictEqual(status(Errors.ConflictResponse), 409)
    assert.strictEqual(status(Errors.ServiceUnavailableResponse), 503)
  })
})
