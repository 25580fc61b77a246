/**
 * One-dimensional PostgreSQL arrays in the binary wire format, for `unnest` parameters. The pg
 * client sends a Buffer parameter as binary, so PostgreSQL reads each element with its type's
 * `recv` function (a uuid is 16 bytes copied) instead of parsing a text literal: parsing the
 * ledger's eight literals was ~2.8 µs of PostgreSQL's ~9.7 µs of CPU per row
 * (docs/benchmarks.md, the sixth session). Cast in SQL as a literal would be
 * (`${BinaryArray.uuids(ids)}::uuid[]`), which also names the parameter's type.
 *
 * The encoders throw on a value their type cannot hold (a malformed uuid, a non-integer): the
 * caller wraps them where a failure must be typed.
 */

const TEXT_OID = 25
const UUID_OID = 2950
const INT4_OID = 23
const INT8_OID = 20

/** ndim, has-nulls flag, element type, then the one dimension's length and lower bound. */
const HEADER_BYTES = 20
const EMPTY_HEADER_BYTES = 12

const allocate = (oid: number, length: number, elementBytes: number): Buffer => {
  if (length === 0) {
    const empty = Buffer.alloc(EMPTY_HEADER_BYTES)
    empty.writeInt32BE(oid, 8)
    return empty
  }
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + elementBytes)
  buffer.writeInt32BE(1, 0)
  buffer.writeInt32BE(0, 4)
  buffer.writeInt32BE(oid, 8)
  buffer.writeInt32BE(length, 12)
  buffer.writeInt32BE(1, 16)
  return buffer
}

/** Strings as UTF-8 `text` elements. */
export const texts = (values: ReadonlyArray<string>): Buffer => {
  const lengths = values.map((value) => Buffer.byteLength(value, "utf8"))
  const buffer = allocate(
    TEXT_OID,
    values.length,
    lengths.reduce((sum, length) => sum + 4 + length, 0),
  )
  let offset = HEADER_BYTES
  for (let i = 0; i < values.length; i++) {
    buffer.writeInt32BE(lengths[i]!, offset)
    offset += 4 + buffer.write(values[i]!, offset + 4, "utf8")
  }
  return buffer
}

const HEX_VALUES = new Int8Array(128).fill(-1)
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUES[digit.toString(16).charCodeAt(0)] = digit
  HEX_VALUES[digit.toString(16).toUpperCase().charCodeAt(0)] = digit
}
const hexValue = (code: number) => (code < 128 ? HEX_VALUES[code]! : -1)
const DASH = 45

/** Canonical uuid strings (8-4-4-4-12 hex digits, either case) as 16-byte `uuid` elements. */
export const uuids = (values: ReadonlyArray<string>): Buffer => {
  const buffer = allocate(UUID_OID, values.length, values.length * 20)
  let offset = HEADER_BYTES
  for (const value of values) {
    if (value.length !== 36) throw new RangeError(`not a uuid: ${JSON.stringify(value)}`)
    buffer.writeInt32BE(16, offset)
    offset += 4
    for (let i = 0; i < 36;) {
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (value.charCodeAt(i) !== DASH) throw new RangeError(`not a uuid: ${JSON.stringify(value)}`)
        i++
        continue
      }
      const high = hexValue(value.charCodeAt(i))
      const low = hexValue(value.charCodeAt(i + 1))
      if (high < 0 || low < 0) throw new RangeError(`not a uuid: ${JSON.stringify(value)}`)
      buffer[offset++] = (high << 4) | low
      i += 2
    }
  }
  return buffer
}

/** 32-bit integers as `integer` elements. */
export const int4s = (values: ReadonlyArray<number>): Buffer => {
  const buffer = allocate(INT4_OID, values.length, values.length * 8)
  let offset = HEADER_BYTES
  for (const value of values) {
    if (!Number.isInteger(value) || value < -2_147_483_648 || value > 2_147_483_647) {
      throw new RangeError(`not a 32-bit integer: ${value}`)
    }
    buffer.writeInt32BE(4, offset)
    buffer.writeInt32BE(value, offset + 4)
    offset += 8
  }
  return buffer
}

const TWO_TO_32 = 2 ** 32

/** Safe integers as `bigint` elements (written as two 32-bit halves, no BigInt per value). */
export const int8s = (values: ReadonlyArray<number>): Buffer => {
  const buffer = allocate(INT8_OID, values.length, values.length * 12)
  let offset = HEADER_BYTES
  for (const value of values) {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`)
    buffer.writeInt32BE(8, offset)
    buffer.writeInt32BE(Math.floor(value / TWO_TO_32), offset + 4)
    buffer.writeUInt32BE(value >>> 0, offset + 8)
    offset += 12
  }
  return buffer
}
