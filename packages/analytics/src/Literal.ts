import { Either, Schema } from "effect"

/**
 * The only place where values become SQL text. ClickHouse 18.16 has no query parameters, so
 * every value that reaches a query goes through one of these functions; nothing else in the
 * package concatenates input into SQL.
 */

/** A value that cannot be rendered safely (a non-finite number, an identifier outside the strict grammar). */
export class InvalidLiteral extends Schema.TaggedError<InvalidLiteral>()("InvalidLiteral", {
  kind: Schema.Literal("number", "identifier"),
  value: Schema.String,
  reason: Schema.String,
}) {}

const hex2 = (code: number): string => code.toString(16).padStart(2, "0")

/**
 * A single-quoted string literal. Backslash and quote are escaped; control characters
 * (U+0000–U+001F, U+007F) become `\xHH` so the query text stays one printable line.
 * Everything else, including any Unicode, passes through as is (the query travels as UTF-8;
 * a lone UTF-16 surrogate, which UTF-8 cannot carry, arrives as U+FFFD — never as a quote).
 */
export const string = (value: string): string => {
  let out = "'"
  for (const char of value) {
    const code = char.codePointAt(0)!
    if (char === "\\") out += "\\\\"
    else if (char === "'") out += "\\'"
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex2(code)}`
    else out += char
  }
  return out + "'"
}

const MIN_NORMAL = 2.2250738585072014e-308

/**
 * A numeric literal; only finite numbers. Safe integers render as plain digits. Subnormal
 * numbers (0 < |x| < 2.2e-308) are refused: ClickHouse 18.16's parser rejects them as a syntax error.
 */
export const number = (value: number): Either.Either<string, InvalidLiteral> => {
  if (!Number.isFinite(value)) {
    return Either.left(
      new InvalidLiteral({ kind: "number", value: String(value), reason: "not a finite number" }),
    )
  }
  if (value !== 0 && Math.abs(value) < MIN_NORMAL) {
    return Either.left(
      new InvalidLiteral({
        kind: "number",
        value: String(value),
        reason: "subnormal numbers have no SQL literal",
      }),
    )
  }
  if (Object.is(value, -0)) return Either.right("0")
  // A negative literal in parentheses, so `x - -1` or `-` after an operator never reads as a comment or another operator.
  const text = Number.isSafeInteger(value) ? value.toFixed(0) : String(value)
  return Either.right(value < 0 ? `(${text})` : text)
}

/** Letters, digits and underscores, not starting with a digit: valid unquoted everywhere we care about. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** A back-quoted identifier (database, table, column), accepted only if it matches a strict grammar. */
export const identifier = (name: string): Either.Either<string, InvalidLiteral> =>
  IDENTIFIER.test(name)
    ? Either.right(`\`${name}\``)
    : Either.left(
        new InvalidLiteral({
          kind: "identifier",
          value: name,
          reason: "an identifier must match [A-Za-z_][A-Za-z0-9_]{0,62}",
        }),
      )

/** `database`.`table`, both validated. */
export const qualified = (database: string, table: string): Either.Either<string, InvalidLiteral> =>
  Either.zipWith(identifier(database), identifier(table), (db, name) => `${db}.${name}`)
