/**
 * Micro-benchmark of one ad request's decision: index lookup + ranking, against a naive
 * baseline (sort the same candidates by impression price) in the same run.
 *
 *   bash infra/local/pnpm.sh exec tsx packages/domain/bench/ranking.bench.ts
 *
 * Prints median and p99 (µs) per scenario after a warm-up; the figures go in docs/benchmarks.md.
 */
import type { AdvertiserId, CampaignId, Campaign, Client, Targeting } from "../src/index.js"
import { Engine } from "../src/index.js"

const { CampaignIndex, ClickRate, Ranking } = Engine

// A small deterministic PRNG (mulberry32), so every run measures the same market.
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const random = rng(42)
const pick = <A>(values: ReadonlyArray<A>): A => values[Math.floor(random() * values.length)]!
const hex = (n: number) => n.toString(16).padStart(12, "0")

const DAY = 5
const client: Pick<Client.Client, "gender" | "age" | "location"> = {
  gender: "FEMALE",
  age: 30,
  location: "Moscow",
}
const advertisers = Array.from({ length: 100 }, (_, i) => `00000000-0000-4000-8000-${hex(i)}` as AdvertiserId)

/** A campaign active on DAY whose targeting matches `client` (when `matching`) or never does. */
const campaign = (i: number, matching: boolean): Campaign.Campaign => {
  const targeting: Targeting.Targeting = matching
    ? {
        gender: pick(["FEMALE", "ALL", null] as const),
        age_from: pick([null, 18, 25, 30]),
        age_to: pick([null, 30, 45, 99]),
        location: pick(["Moscow", null]),
      }
    : {
        gender: pick(["MALE", "FEMALE", "ALL", null] as const),
        age_from: pick([null, 18, 40]),
        age_to: pick([null, 60]),
        location: `city${Math.floor(random() * 50)}`,
      }
  return {
    campaign_id: `10000000-0000-4000-8000-${hex(i)}` as CampaignId,
    advertiser_id: pick(advertisers),
    impressions_limit: 1_000 + Math.floor(random() * 10_000),
    clicks_limit: 100 + Math.floor(random() * 1_000),
    cost_per_impression: Math.round(random() * 1_000) / 100,
    cost_per_click: Math.round(random() * 5_000) / 100,
    ad_title: "t",
    ad_text: "x",
    start_date: (DAY - Math.floor(random() * 5)) as Campaign.Campaign["start_date"],
    end_date: (DAY + Math.floor(random() * 10)) as Campaign.Campaign["end_date"],
    targeting,
  }
}

const clickRate = ClickRate.estimate(
  Array.from({ length: ClickRate.BUCKET_COUNT }, (_, b) => ({
    impressions: 1_000,
    clicks: Math.min(1_000, b * 10),
  })),
)
const scores = new Map(advertisers.map((a) => [a, Math.floor(random() * 1_000)] as const))
const counters = new Map<CampaignId, Engine.Ranking.CandidateCounters>()

const percentile = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

const measure = (run: () => unknown, iterations: number) => {
  for (let i = 0; i < 5_000; i++) run()
  const samples = new Float64Array(iterations)
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint()
    run()
    samples[i] = Number(process.hrtime.bigint() - start) / 1_000
  }
  samples.sort()
  return { median: percentile(samples, 0.5), p99: percentile(samples, 0.99) }
}

const scenario = (name: string, matching: number, other: number) => {
  const campaigns = Array.from({ length: matching + other }, (_, i) => campaign(i, i < matching))
  for (const c of campaigns) {
    const impressions = Math.floor(random() * c.impressions_limit * 1.05)
    counters.set(c.campaign_id, {
      impressions,
      clicks: Math.floor(impressions * 0.05),
      seen: random() < 0.3,
      clicked: random() < 0.05,
    })
  }
  const index = CampaignIndex.build(campaigns, DAY)
  const context: Engine.Ranking.Context = {
    day: DAY,
    client,
    clickRate,
    relevanceUnit: Ranking.relevanceUnit(CampaignIndex.meanPrices(index), clickRate),
  }
  const toCandidate = (
    c: Campaign.Campaign,
  ): Engine.Ranking.Candidate & { readonly campaign: Campaign.Campaign } => ({
    campaign: c,
    counters: counters.get(c.campaign_id)!,
    score: scores.get(c.advertiser_id) ?? 0,
  })
  const found = CampaignIndex.candidates(index, client)
  if (found.length !== matching) throw new Error(`expected ${matching} candidates, got ${found.length}`)

  const iterations = 20_000
  const lookup = measure(() => CampaignIndex.candidates(index, client), iterations)
  const prepared = found.map(toCandidate)
  const rankFirst = measure(() => Ranking.rank(prepared, context).next(), iterations)
  const rankAll = measure(() => Array.from(Ranking.rank(prepared, context)), iterations)
  const engine = measure(
    () => Ranking.rank(CampaignIndex.candidates(index, client).map(toCandidate), context).next(),
    iterations,
  )
  const naiveMax = measure(() => {
    let best: Engine.Ranking.Candidate | undefined
    for (const candidate of CampaignIndex.candidates(index, client).map(toCandidate))
      if (best === undefined || candidate.campaign.cost_per_impression > best.campaign.cost_per_impression)
        best = candidate
    return best
  }, iterations)
  const naiveSort = measure(
    () =>
      CampaignIndex.candidates(index, client)
        .map(toCandidate)
        .sort((a, b) => b.campaign.cost_per_impression - a.campaign.cost_per_impression),
    iterations,
  )
  const fmt = (m: { median: number; p99: number }) => `${m.median.toFixed(1)} / ${m.p99.toFixed(1)}`
  console.log(
    `| ${name} | ${found.length} | ${fmt(lookup)} | ${fmt(rankFirst)} | ${fmt(rankAll)} | **${fmt(engine)}** | ${fmt(naiveMax)} | ${fmt(naiveSort)} |`,
  )
}

console.log(
  `node ${process.version}, ${new Date().toISOString()}; µs, median / p99 of 20,000 runs after 5,000 warm-up`,
)
console.log(
  "| scenario | candidates | index lookup | rank, take best | rank, drain full order | **request: lookup + candidates + rank + best** | baseline: lookup + candidates + max price | baseline: lookup + candidates + sort by price |",
)
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |")
scenario("1,000 active, all match the client", 1_000, 0)
scenario("10,000 active, 1,000 match the client", 1_000, 9_000)
scenario("10,000 active, 100 match the client", 100, 9_900)
