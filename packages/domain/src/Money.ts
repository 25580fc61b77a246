import { Schema } from "effect"

/**
 * Money is kept as whole micro-units (1e-6 of the currency unit) in integers, so that sums of
 * charges are exact; prices arrive as JSON numbers and are rounded to the nearest micro-unit
 * once, at the edge. 2^53 micro-units is about 9 billion currency units per sum.
 */
export const Micros = Schema.NonNegativeInt.pipe(Schema.brand("Micros"))
export type Micros = typeof Micros.Type

export const MICROS_PER_UNIT = 1_000_000

export const fromPrice = (price: number): Micros => Math.round(price * MICROS_PER_UNIT) as Micros

export const toPrice = (micros: number): number => micros / MICROS_PER_UNIT

export const sum = (values: Iterable<number>): Micros => {
  let total = 0
  for (const value of values) total += value
  return total as Micros
}

/** A price as the contract carries it: a finite, non-negative JSON number. */
export const Price = Schema.Number.pipe(Schema.finite(), Schema.nonNegative(), Schema.lessThanOrEqualTo(1e9))
