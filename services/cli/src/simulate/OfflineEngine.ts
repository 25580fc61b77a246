import { Engine } from "@adflow/domain"
import type { ClickModel } from "./ClickModels.js"
import { activeOn, scoreKey, type SimCampaign, targetingMatches } from "./Market.js"
import * as Oracle from "./Oracle.js"
import type { Scenario } from "./Scenario.js"
import { scoreChanged, type TapeEvent } from "./Tape.js"

/**
 * A scenario played against the engine's pure rules in memory, without the API, Redis or the
 * processor: counters exact, `concurrency` requests ranked on the same counters, the learned
 * click-rate table re-estimated every `refreshEvery` requests (the API re-estimates it from its
 * own answers at most every 20 ms). Under a second per run instead of half a minute, so engine
 * settings can be compared over many seeds; the real system is then checked with
 * `adflow simulate`, which plays the same scenario over HTTP.
 */
export interface OfflineOptions {
  readonly policy: Engine.Ranking.Policy
  readonly prior: Engine.ClickRate.Prior
  readonly refreshEvery: number
  /**
   * Requests ranked on the same counters, as when that many are in flight at once (the simulator
   * sends 16); admission still checks the live count, and a refused candidate gives way to the next.
   */
  readonly concurrency?: number
  /** Give the engine the click model's own rates instead of learned ones (the ceiling of learning). */
  readonly oracleRates?: boolean
  /** Called with each re-estimated table and the counts it came from (diagnostics). */
  readonly onEstimate?: (counts: Engine.ClickRate.BucketCounts, table: Engine.ClickRate.Table) => void
}

export interface OfflineResult {
  readonly expectedRevenue: number
  readonly uniqueImpressions: number
  readonly meanScore: number
  readonly repeats: number
  readonly notServed: number
  readonly campaignsOverLimit: number
  readonly oracle: Oracle.OracleResult
}

interface LiveCampaign {
  terms: Engine.Ranking.CampaignTerms
  readonly advertiserId: string
  impressions: number
  /** The impressions count the engine ranks on (behind `impressions` while requests are in flight). */
  rankedImpressions: number
  clicks: number
}

const termsOf = (c: SimCampaign): Engine.Ranking.CampaignTerms => ({
  impressions_limit: c.impressions_limit,
  clicks_limit: c.clicks_limit,
  cost_per_impression: c.cost_per_impression,
  cost_per_click: c.cost_per_click,
  start_date: c.start_date as Engine.Ranking.CampaignTerms["start_date"],
  end_date: c.end_date as Engine.Ranking.CampaignTerms["end_date"],
  targeting: c.targeting,
})

export const run = (scenario: Scenario, model: ClickModel, options: OfflineOptions): OfflineResult => {
  const { market } = scenario
  const campaigns = new Map<number, LiveCampaign>(
    market.campaigns.map((c) => [
      c.key,
      { terms: termsOf(c), advertiserId: c.advertiser_id, impressions: 0, rankedImpressions: 0, clicks: 0 },
    ]),
  )
  const scores = new Map(market.scores.map((s) => [scoreKey(s.client_id, s.advertiser_id), s.score]))
  const seen = new Set<string>()
  const clicked = new Set<string>()
  const learned: Array<{ impressions: number; clicks: number }> = Array.from(
    { length: Engine.ClickRate.BUCKET_COUNT },
    () => ({ impressions: 0, clicks: 0 }),
  )
  const modelTable: Engine.ClickRate.Table = {
    rates: Float64Array.from({ length: Engine.ClickRate.BUCKET_COUNT }, (_, b) =>
      b === 0
        ? model.probability(0)
        : model.probability(2 ** (Math.floor((b - 1) / 4) + (((b - 1) % 4) + 0.5) / 4)),
    ),
    pooled: 0.2,
  }
  const estimate = () => {
    if (options.oracleRates) return modelTable
    const table = Engine.ClickRate.estimate(learned, options.prior)
    options.onEstimate?.(learned, table)
    return table
  }
  let table = estimate()
  const tape: Array<TapeEvent> = []
  let requests = 0
  let expectedRevenue = 0
  let uniqueImpressions = 0
  let scoreSum = 0
  let repeats = 0
  let notServed = 0

  for (const { day, rounds } of scenario.days) {
    tape.push({ _tag: "Day", day })
    const active = [...campaigns.entries()].filter(([key]) => activeOn(market.campaigns[key]!, day))
    for (const round of rounds) {
      for (const change of round.priceChanges) {
        const campaign = campaigns.get(change.key)!
        campaign.terms = {
          ...campaign.terms,
          cost_per_impression: change.cost_per_impression,
          cost_per_click: change.cost_per_click,
        }
        tape.push({ _tag: "Price", ...change })
      }
      for (const score of round.scoreChanges) {
        scores.set(scoreKey(score.client_id, score.advertiser_id), score.score)
        tape.push(scoreChanged(score))
      }
      let sumImpression = 0
      let sumClick = 0
      for (const [, c] of active) {
        sumImpression += c.terms.cost_per_impression
        sumClick += c.terms.cost_per_click
      }
      const meanPrices =
        active.length === 0
          ? { costPerImpression: 0, costPerClick: 0 }
          : { costPerImpression: sumImpression / active.length, costPerClick: sumClick / active.length }
      for (const { client, clickDraw } of round.requests) {
        tape.push({ _tag: "Request", clientId: client.client_id })
        if (requests % (options.concurrency ?? 1) === 0)
          for (const c of campaigns.values()) c.rankedImpressions = c.impressions
        if (requests++ % options.refreshEvery === 0) table = estimate()
        const candidates = active
          .filter(([key]) => targetingMatches(market.campaigns[key]!.targeting, client))
          .map(([key, c]) => {
            const pair = `${client.client_id}|${key}`
            return {
              key,
              campaign: c.terms,
              counters: {
                impressions: c.rankedImpressions,
                clicks: c.clicks,
                seen: seen.has(pair),
                clicked: clicked.has(pair),
              },
              score: scores.get(scoreKey(client.client_id, c.advertiserId)) ?? 0,
            }
          })
        const ranked = Engine.Ranking.rank(candidates, {
          day,
          client,
          clickRate: table,
          relevanceUnit: Engine.Ranking.relevanceUnit(meanPrices, table),
          policy: options.policy,
        })
        let best = ranked.next()
        while (
          best !== undefined &&
          !best.counters.seen &&
          campaigns.get(best.key)!.impressions >= best.campaign.impressions_limit
        )
          best = ranked.next()
        if (best === undefined) {
          notServed++
          continue
        }
        if (best.counters.seen) {
          repeats++
          continue
        }
        const campaign = campaigns.get(best.key)!
        const pair = `${client.client_id}|${best.key}`
        seen.add(pair)
        campaign.impressions++
        const probability = model.probability(best.score)
        expectedRevenue += campaign.terms.cost_per_impression + campaign.terms.cost_per_click * probability
        uniqueImpressions++
        scoreSum += best.score
        const bucket = learned[Engine.ClickRate.bucketOf(best.score)]!
        bucket.impressions++
        if (clickDraw < probability) {
          clicked.add(pair)
          campaign.clicks++
          bucket.clicks++
        }
      }
    }
  }
  let campaignsOverLimit = 0
  for (const c of campaigns.values()) if (c.impressions > c.terms.impressions_limit) campaignsOverLimit++
  return {
    expectedRevenue,
    uniqueImpressions,
    meanScore: uniqueImpressions === 0 ? 0 : scoreSum / uniqueImpressions,
    repeats,
    notServed,
    campaignsOverLimit,
    oracle: Oracle.replay(market, tape, model),
  }
}
