import type { Tally } from "./Ledger.js"

/** Half a cent, plus room for float noise: money agrees when it rounds to the same cent. */
const CENT_TOLERANCE = 0.005 + 1e-9
const CONVERSION_TOLERANCE = 0.01

const num = (row: Record<string, unknown>, field: string): number | undefined =>
  typeof row[field] === "number" ? (row[field] as number) : undefined

/** Why a Stats answer disagrees with the ledger, or an empty list when it agrees. */
export const compareStats = (expected: Tally, actual: unknown): Array<string> => {
  if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return ["not a Stats object"]
  const row = actual as Record<string, unknown>
  const problems: Array<string> = []
  const exact = (field: string, want: number) => {
    const got = num(row, field)
    if (got !== want) problems.push(`${field}: expected ${want}, got ${String(row[field])}`)
  }
  const close = (field: string, want: number, tolerance: number) => {
    const got = num(row, field)
    if (got === undefined || Math.abs(got - want) > tolerance)
      problems.push(`${field}: expected ${want}, got ${String(row[field])}`)
  }
  exact("impressions_count", expected.impressions)
  exact("clicks_count", expected.clicks)
  close(
    "conversion",
    expected.impressions === 0 ? 0 : (expected.clicks / expected.impressions) * 100,
    CONVERSION_TOLERANCE,
  )
  close("spent_impressions", expected.impressionMicros / 1e6, CENT_TOLERANCE)
  close("spent_clicks", expected.clickMicros / 1e6, CENT_TOLERANCE)
  close("spent_total", (expected.impressionMicros + expected.clickMicros) / 1e6, CENT_TOLERANCE)
  return problems
}

const isZero = (t: Tally) =>
  t.impressions === 0 && t.clicks === 0 && t.impressionMicros === 0 && t.clickMicros === 0

/**
 * Daily rows against the ledger's days: every day with activity must be present and agree;
 * a day without activity may be left out or reported as zeros; no day may repeat.
 */
export const compareDaily = (expected: ReadonlyMap<number, Tally>, actual: unknown): Array<string> => {
  if (!Array.isArray(actual)) return ["not an array of DailyStats"]
  const problems: Array<string> = []
  const seen = new Set<number>()
  const zero: Tally = { impressions: 0, clicks: 0, impressionMicros: 0, clickMicros: 0 }
  for (const row of actual as Array<unknown>) {
    const date = typeof row === "object" && row !== null ? (row as Record<string, unknown>).date : undefined
    if (typeof date !== "number") {
      problems.push("a row without a numeric date")
      continue
    }
    if (seen.has(date)) problems.push(`day ${date} appears twice`)
    seen.add(date)
    for (const p of compareStats(expected.get(date) ?? zero, row)) problems.push(`day ${date}: ${p}`)
  }
  for (const [day, tally] of expected)
    if (!seen.has(day) && !isZero(tally)) problems.push(`day ${day} missing`)
  return problems
}
