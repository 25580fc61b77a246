import { Schema } from "effect"
import { Day } from "./Ids.js"

/** Body and answer of `POST /time/advance`. The contract leaves the field optional; we require it. */
export const TimeAdvance = Schema.Struct({
  current_date: Day,
}).annotations({ identifier: "TimeAdvance" })
export type TimeAdvance = typeof TimeAdvance.Type

/** The day of a fresh system. */
export const FIRST_DAY = 0 as Day
