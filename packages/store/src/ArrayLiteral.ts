/**
 * PostgreSQL array literals for `unnest` parameters, each built with one `join`. The pg
 * client's own serialiser (`arrayString`) escapes and appends element by element (two regex
 * replaces, a quoted copy and a longer string per element): the ledger's eight arrays per
 * batch were ~12% of the bytes the processor allocated. The literal is sent as a text
 * parameter and cast in SQL (`${ArrayLiteral.texts(ids)}::uuid[]`).
 */

/** Every element double-quoted, `"` and `\` escaped: any string is read back as itself. */
export const texts = (values: ReadonlyArray<string>): string => {
  if (values.length === 0) return "{}"
  const plain = values.every((value) => !value.includes('"') && !value.includes("\\"))
  const elements = plain ? values : values.map((value) => value.replace(/["\\]/g, "\\$&"))
  return `{"${elements.join('","')}"}`
}

/** Numbers as JavaScript prints them, as the pg client sends them (a non-integer fails the cast in SQL). */
export const numbers = (values: ReadonlyArray<number>): string => `{${values.join(",")}}`
