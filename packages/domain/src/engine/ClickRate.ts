/**
 * The click probability p(click | ML score), learned online from the platform's own impressions
 * and clicks. Scores fall into log-scale buckets (four per power of two). The buckets' rates are
 * fitted with a monotone curve (weighted isotonic regression over the buckets that have data), in
 * the direction that fits the data better by default: a higher score usually means more clicks,
 * but a misleading score must not be forced into that shape. The fit pools sparse buckets with
 * their neighbours; each pooled block is then a Beta-posterior mean shrunk towards the pooled rate
 * of all buckets, which is itself shrunk towards a fixed prior, so that nothing is ever 0 or 1 on
 * scarce evidence. Buckets without data take the value of their nearest observed neighbour.
 */

/** Bucket 0 holds score 0; buckets 1 + 4k + j (j = 0..3) split [2^k, 2^(k+1)) at 2^(k + j/4). */
export const BUCKET_COUNT = 129

const MAX_UINT32 = 4_294_967_295

/** `STEP[3k + j - 1]` = 2^(k + j/4), j = 1..3: the bounds inside [2^k, 2^(k+1)). */
const STEP = Float64Array.from({ length: 96 }, (_, i) => 2 ** (Math.floor(i / 3) + ((i % 3) + 1) / 4))

/** The bucket of an ML score; negative, NaN or fractional scores are floored into range. */
export const bucketOf = (score: number): number => {
  if (!(score >= 1)) return 0
  const s = score >= MAX_UINT32 ? MAX_UINT32 : Math.floor(score)
  const k = 31 - Math.clz32(s)
  const at = 3 * k
  return 1 + 4 * k + (s >= STEP[at]! ? (s >= STEP[at + 1]! ? (s >= STEP[at + 2]! ? 3 : 2) : 1) : 0)
}

/** What was observed in one bucket. */
export interface BucketCount {
  readonly impressions: number
  readonly clicks: number
}

/** Observations per bucket, indexed by `bucketOf`; missing entries count as no data. */
export type BucketCounts = ReadonlyArray<BucketCount | undefined>

export interface Prior {
  /** The click rate assumed before any data at all. */
  readonly mean: number
  /** How many impressions' worth of evidence the global prior is worth. */
  readonly globalStrength: number
  /**
   * How many impressions' worth of evidence the pooled rate is worth inside each block of buckets
   * the monotone fit pooled (inside each bucket when `monotone` is "none").
   */
  readonly bucketStrength: number
  /**
   * Smooth the rates into a monotone curve: `"increasing"` in the score, `"auto"` in whichever
   * direction fits the observations better (weighted squared error), `"none"` not at all.
   */
  readonly monotone: "auto" | "increasing" | "none"
}

// Shrinking each pooled block by 3 impressions' worth, rather than each bucket by 30, learned
// faster in the simulated markets (the monotone fit already pools sparse buckets): docs/engine.md.
export const defaultPrior: Prior = { mean: 0.05, globalStrength: 20, bucketStrength: 3, monotone: "auto" }

/** The learned rates, one per bucket; read with `probability`. */
export interface Table {
  readonly rates: Float64Array
  /** The pooled rate over every bucket (the prior when nothing was observed). */
  readonly pooled: number
}

/** Non-negative finite integer counts; clicks never above impressions. */
const clean = (count: BucketCount | undefined): { impressions: number; clicks: number } => {
  const impressions = count !== undefined && count.impressions > 0 ? Math.floor(count.impressions) : 0
  const rawClicks = count !== undefined && count.clicks > 0 ? Math.floor(count.clicks) : 0
  return Number.isFinite(impressions)
    ? { impressions, clicks: Number.isFinite(rawClicks) ? Math.min(rawClicks, impressions) : impressions }
    : { impressions: 0, clicks: 0 }
}

/**
 * Weighted pool-adjacent-violators, in place: the closest non-decreasing sequence in the
 * weighted least-squares sense. O(n) amortised with a stack of blocks.
 */
const isotonic = (values: Float64Array, weights: Float64Array): void => {
  const n = values.length
  const blockValue = new Float64Array(n)
  const blockWeight = new Float64Array(n)
  const blockEnd = new Int32Array(n)
  let top = -1
  for (let i = 0; i < n; i++) {
    top++
    blockValue[top] = values[i]!
    blockWeight[top] = weights[i]!
    blockEnd[top] = i
    while (top > 0 && blockValue[top - 1]! > blockValue[top]!) {
      const w = blockWeight[top - 1]! + blockWeight[top]!
      blockValue[top - 1] =
        (blockValue[top - 1]! * blockWeight[top - 1]! + blockValue[top]! * blockWeight[top]!) / w
      blockWeight[top - 1] = w
      blockEnd[top - 1] = blockEnd[top]!
      top--
    }
  }
  let start = 0
  for (let b = 0; b <= top; b++) {
    for (let i = start; i <= blockEnd[b]!; i++) values[i] = blockValue[b]!
    start = blockEnd[b]! + 1
  }
}

/** The pooled rate's weight in a bucket's rate before the fit: keeps a lone observation off 0 and 1. */
const FIT_PSEUDO_COUNT = 1

/** Learns a table from bucket counts. */
export const estimate = (counts: BucketCounts, prior: Prior = defaultPrior): Table => {
  const impressions = new Float64Array(BUCKET_COUNT)
  const clicks = new Float64Array(BUCKET_COUNT)
  let totalImpressions = 0
  let totalClicks = 0
  for (let b = 0; b < BUCKET_COUNT; b++) {
    const count = clean(counts[b])
    impressions[b] = count.impressions
    clicks[b] = count.clicks
    totalImpressions += count.impressions
    totalClicks += count.clicks
  }
  const pooled = (totalClicks + prior.globalStrength * prior.mean) / (totalImpressions + prior.globalStrength)
  const rates = new Float64Array(BUCKET_COUNT).fill(pooled)
  const observed: Array<number> = []
  for (let b = 0; b < BUCKET_COUNT; b++) if (impressions[b]! > 0) observed.push(b)
  const shrink = (c: number, i: number) => (c + prior.bucketStrength * pooled) / (i + prior.bucketStrength)
  if (prior.monotone === "none" || observed.length === 0) {
    for (const b of observed) rates[b] = shrink(clicks[b]!, impressions[b]!)
    return { rates, pooled }
  }
  // Fit the observed rates with a monotone curve first, so that sparse buckets are pooled with
  // their neighbours; then shrink each pooled block (not each bucket) towards the pooled rate.
  const raw = Float64Array.from(
    observed,
    (b) => (clicks[b]! + FIT_PSEUDO_COUNT * pooled) / (impressions[b]! + FIT_PSEUDO_COUNT),
  )
  const weights = Float64Array.from(observed, (b) => impressions[b]! + FIT_PSEUDO_COUNT)
  let decreasing = false
  const fitted = raw.slice()
  isotonic(fitted, weights)
  if (prior.monotone === "auto") {
    const down = reversed(raw)
    isotonic(down, reversed(weights))
    const fittedDown = reversed(down)
    if (squaredError(fittedDown, raw, weights) < squaredError(fitted, raw, weights)) {
      decreasing = true
      fitted.set(fittedDown)
    }
  }
  // Blocks: runs of observed buckets the fit gave one value; each is shrunk as a whole.
  const shrunk = new Float64Array(observed.length)
  const shrunkWeights = new Float64Array(observed.length)
  for (let start = 0; start < observed.length;) {
    let end = start
    let blockClicks = 0
    let blockImpressions = 0
    while (end < observed.length && fitted[end] === fitted[start]) {
      blockClicks += clicks[observed[end]!]!
      blockImpressions += impressions[observed[end]!]!
      end++
    }
    shrunk.fill(shrink(blockClicks, blockImpressions), start, end)
    shrunkWeights.fill((blockImpressions + prior.bucketStrength) / (end - start), start, end)
    start = end
  }
  // Shrinking blocks of different sizes by different amounts can break the order: fit again.
  if (decreasing) {
    const down = reversed(shrunk)
    isotonic(down, reversed(shrunkWeights))
    shrunk.set(reversed(down))
  } else isotonic(shrunk, shrunkWeights)
  // Observed buckets take the fit; the others the nearest observed bucket below (above, before the first).
  let next = 0
  for (let b = 0; b < BUCKET_COUNT; b++) {
    while (next + 1 < observed.length && observed[next + 1]! <= b) next++
    rates[b] = shrunk[next]!
  }
  return { rates, pooled }
}

const reversed = (values: Float64Array): Float64Array => values.slice().reverse()

const squaredError = (fit: Float64Array, raw: Float64Array, weights: Float64Array): number => {
  let error = 0
  for (let i = 0; i < fit.length; i++) error += weights[i]! * (fit[i]! - raw[i]!) ** 2
  return error
}

/** The table before any observation: the prior mean everywhere. */
export const uninformed: Table = estimate([])

/** p(click | score): the rate of the score's bucket. */
export const probability = (table: Table, score: number): number => table.rates[bucketOf(score)]!

/** Bucket counts from the ML scores of impressions and of clicks (e.g. one processor batch). */
export const tally = (
  impressionScores: Iterable<number>,
  clickScores: Iterable<number>,
): {
  readonly impressionsByBucket: ReadonlyMap<number, number>
  readonly clicksByBucket: ReadonlyMap<number, number>
} => {
  const count = (scores: Iterable<number>) => {
    const byBucket = new Map<number, number>()
    for (const score of scores) {
      const b = bucketOf(score)
      byBucket.set(b, (byBucket.get(b) ?? 0) + 1)
    }
    return byBucket
  }
  return { impressionsByBucket: count(impressionScores), clicksByBucket: count(clickScores) }
}
