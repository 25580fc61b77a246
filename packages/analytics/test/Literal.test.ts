import { ClickHouse, Literal } from "@adflow/analytics"
import { TestClickHouse, TestNamespace } from "@adflow/testkit"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Layer } from "effect"

const render = (value: Either.Either<string, Literal.InvalidLiteral>): string =>
  Either.getOrThrowWith(value, (error) => new Error(error.reason))

describe("Literal (pure)", () => {
  it("quotes strings and escapes backslash, quote and control characters", () => {
    assert.strictEqual(Literal.string(""), "''")
    assert.strictEqual(Literal.string("plain é 😀"), "'plain é 😀'")
    assert.strictEqual(Literal.string("it's"), "'it\\'s'")
    assert.strictEqual(Literal.string("a\\b"), "'a\\\\b'")
    assert.strictEqual(Literal.string("a\nb\r\t\0\x7f"), "'a\\x0ab\\x0d\\x09\\x00\\x7f'")
    assert.strictEqual(Literal.string("x' OR 1=1 --"), "'x\\' OR 1=1 --'")
  })

  it("never leaves an unescaped quote, a lone trailing backslash or a control character", () => {
    fc.assert(
      fc.property(fc.fullUnicodeString(), (value) => {
        const body = Literal.string(value).slice(1, -1)
        // Remove every escape pair; what is left must hold no quote, backslash or control character.
        const rest = body.replace(/\\(?:\\|'|x[0-9a-f]{2})/g, "")
        return !/['\\\x00-\x1f\x7f]/.test(rest)
      }),
    )
  })

  it("renders finite numbers and rejects the others", () => {
    assert.strictEqual(render(Literal.number(0)), "0")
    assert.strictEqual(render(Literal.number(-0)), "0")
    assert.strictEqual(render(Literal.number(42)), "42")
    assert.strictEqual(render(Literal.number(-7)), "(-7)")
    assert.strictEqual(render(Literal.number(1.5)), "1.5")
    assert.strictEqual(render(Literal.number(2.2250738585072014e-308)), "2.2250738585072014e-308")
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, -1e-310]) {
      const result = Literal.number(bad)
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) assert.strictEqual(result.left.kind, "number")
    }
  })

  it("renders any safe integer as its plain digits", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        const text = render(Literal.number(value))
        return (value < 0 ? text === `(${value})` : text === String(value)) || Object.is(value, -0)
      }),
    )
  })

  it("accepts identifiers of the strict grammar, back-quoted", () => {
    assert.strictEqual(render(Literal.identifier("events")), "`events`")
    assert.strictEqual(render(Literal.identifier("_t_1")), "`_t_1`")
    assert.strictEqual(render(Literal.qualified("db", "events")), "`db`.`events`")
  })

  it("rejects anything else as an identifier", () => {
    for (const bad of ["", "1abc", "a-b", "a b", "a`b", "a.b", "a;DROP", "é", "a".repeat(64), "x'"]) {
      const result = Literal.identifier(bad)
      assert.isTrue(Either.isLeft(result), bad)
    }
    assert.isTrue(Either.isLeft(Literal.qualified("ok", "not ok")))
    assert.isTrue(Either.isLeft(Literal.qualified("not ok", "ok")))
  })

  it("accepts an identifier exactly when it matches the grammar", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (name) => {
        const valid = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)
        return Either.isRight(Literal.identifier(name)) === valid
      }),
    )
  })
})

// Characters that break naive quoting, mixed with arbitrary Unicode.
const tricky = fc.oneof(
  fc.fullUnicodeString(),
  fc
    .array(
      fc.constantFrom(
        "'",
        "\\",
        "\n",
        "\r",
        "\t",
        "\0",
        "\x7f",
        '"',
        "`",
        "?",
        "{x:String}",
        "--",
        "/*",
        "é",
        "😀",
        "\u2028",
        "a",
      ),
      { maxLength: 20 },
    )
    .map((parts) => parts.join("")),
)

it.layer(TestClickHouse.layer.pipe(Layer.provideMerge(TestNamespace.layer)))(
  "Literal against ClickHouse",
  (it) => {
    it.effect("a rendered string selected back is byte for byte the original", () =>
      Effect.gen(function* () {
        const { client } = yield* ClickHouse
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(tricky, async (value) => {
              const result = await client.query({
                query: `SELECT ${Literal.string(value)} AS value, hex(${Literal.string(value)}) AS bytes`,
                format: "JSONEachRow",
              })
              const [row] = await result.json<{ value: string; bytes: string }>()
              assert.strictEqual(row?.bytes, Buffer.from(value, "utf8").toString("hex").toUpperCase())
              assert.strictEqual(row?.value, value)
            }),
            { numRuns: 200 },
          ),
        )
      }),
    )

    it.effect("a rendered integer reads back as the same integer", () =>
      Effect.gen(function* () {
        const { client } = yield* ClickHouse
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.maxSafeInteger(), async (value) => {
              const result = await client.query({
                query: `SELECT toString(${render(Literal.number(value))}) AS value`,
                format: "JSONEachRow",
              })
              const [row] = await result.json<{ value: string }>()
              assert.strictEqual(row?.value, String(Object.is(value, -0) ? 0 : value))
            }),
            { numRuns: 100 },
          ),
        )
      }),
    )

    it.effect("a rendered finite double reads back as the same double", () =>
      Effect.gen(function* () {
        const { client } = yield* ClickHouse
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), async (value) => {
              const literal = Literal.number(value)
              if (Either.isLeft(literal))
                return assert.isTrue(value !== 0 && Math.abs(value) < 2.2250738585072014e-308)
              const result = await client.query({
                query: `SELECT toFloat64(${literal.right}) AS value`,
                format: "JSONEachRow",
                clickhouse_settings: { output_format_json_quote_denormals: 0 },
              })
              const [row] = await result.json<{ value: number }>()
              assert.strictEqual(row?.value, Object.is(value, -0) ? 0 : value)
            }),
            { numRuns: 100 },
          ),
        )
      }),
    )
  },
)
