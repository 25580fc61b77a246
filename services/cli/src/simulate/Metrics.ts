export const mean = (values: ReadonlyArray<number>): number =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length

/** Nearest-rank percentile (q in [0, 1]) of unsorted values; 0 for none. */
export const percentile = (values: ReadonlyArray<number>, q: number): number => {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[Math.min(sorted.length, rank) - 1]!
}

/** |actual − limit| / limit; a zero limit is exact when nothing was shown and fully wrong otherwise. */
export const relativeError = (actual: number, limit: number): number =>
  limit === 0 ? (actual === 0 ? 0 : 1) : Math.abs(actual - limit) / limit

export const meanRelativeError = (rows: ReadonlyArray<{ readonly actual: number; readonly limit: number }>) =>
  mean(rows.map((r) => relativeError(r.actual, r.limit)))

/** The grader's overshoot: more than 5% above the limit. */
export const OVER_LIMIT_TOLERANCE = 0.05

export const isOverLimit = (actual: number, limit: number): boolean =>
  actual > limit * (1 + OVER_LIMIT_TOLERANCE)
