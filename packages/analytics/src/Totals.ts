import { Day, Money } from "@adflow/domain"
import { Schema } from "effect"

// ClickHouse sends 64-bit integers as JSON strings; beyond 2^53 a number would lose digits, so refuse it.
const SafeCount = Schema.NumberFromString.pipe(
  Schema.compose(Schema.NonNegativeInt),
  Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER),
)
const SafeMicros = SafeCount.pipe(Schema.compose(Money.Micros))

/** Deduplicated counts and charges (integer micro-units) of a campaign or an advertiser. */
export const Totals = Schema.Struct({
  impressions: SafeCount,
  clicks: SafeCount,
  spentImpressionsMicros: SafeMicros,
  spentClicksMicros: SafeMicros,
})
export type Totals = typeof Totals.Type

/** The same for one day. */
export const DailyTotals = Schema.Struct({ day: Day, ...Totals.fields })
export type DailyTotals = typeof DailyTotals.Type

export const zero: Totals = Totals.make({
  impressions: 0,
  clicks: 0,
  spentImpressionsMicros: Money.Micros.make(0),
  spentClicksMicros: Money.Micros.make(0),
})
