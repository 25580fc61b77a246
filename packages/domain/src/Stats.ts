import { Schema } from "effect"
import { Day } from "./Ids.js"

const Count = Schema.NonNegativeInt
const Amount = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())

export const Stats = Schema.Struct({
  impressions_count: Count,
  clicks_count: Count,
  /** clicks / impressions * 100; 0 when there are no impressions. */
  conversion: Amount,
  spent_impressions: Amount,
  spent_clicks: Amount,
  spent_total: Amount,
}).annotations({ identifier: "Stats" })
export type Stats = typeof Stats.Type

export const DailyStats = Schema.Struct({
  ...Stats.fields,
  date: Day,
}).annotations({ identifier: "DailyStats" })
export type DailyStats = typeof DailyStats.Type
