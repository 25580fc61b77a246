/**
 * The click probability p(click | ML score), learned online from the platform's own impressions
 * and clicks. Scores fall into log-scale buckets (two per power of two); each bucket's rate is a
 * Beta-posterior mean shrunk towards the pooled rate of all buckets, which is itself shrunk
 * towards a fixed prior, so a bucket with little data borrows from the rest and nothing is ever
 * 0 or 1 on scarce evidence. Optionally the rates are made non-decreasing in the score (weighted
 * isotonic regression), since a higher score means "more relevant".
 */

/** Bucket 0 holds score 0; bucket 1 + 2k (+1) holds [2^k, 2^k·√2) (and [2^k·√2, 2^(k+1))). */
export const BUCKET_COUNT = 65

const MAX_UINT32 = 4_294_967_295

/** `HALF_STEP[k]` = 2^k·√2, the bound between the two buckets of [2^k, 2^(k+1)). */
const HALF_STEP = Float64Array.from({ length: 32 }, (_, k) => 2 ** k * Math.SQRT2)

/** The bucket of an ML score; negative, NaN or fractional scores are floored into range. */
export const bucketOf = (score: number): number => {
  if (!(score >= 1)) return 0
  const s = score >= MAX_UINT32 ? MAX_UINT32 : Math.floor(score)
  const k = 31 - Math.clz32(s)
  return 1 + 2 * k + (s >= HALF_STEP[k]! ? 1 : 0)
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
  /** How many impressions' worth of evidence the pooled rate is worth inside each bucket. */
  readonly bucketStrength: number
  /** Make the rates non-decreasing in the score. */
  readonly monotone: boolean
}

export const defaultPrior: Prior = { mean: 0.05, globalStrength: 20, bucketStrength: 30, monotone: true }

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
  const rates = new Float64Array(BUCKET_COUNT)
  const weights = new Float64Array(BUCKET_COUNT)
  for (let b = 0; b < BUCKET_COUNT; b++) {
    const n = impressions[b]!
    rates[b] = (clicks[b]! + prior.bucketStrength * pooled) / (n + prior.bucketStrength)
    weights[b] = n + prior.bucketStrength
  }
  if (prior.monotone) isotonic(rates, weights)
  return { rates, pooled }
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
