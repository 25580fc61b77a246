import type { ClickModel } from "./ClickModels.js"
import { activeOn, type Market, scoreKey, targetingMatches } from "./Market.js"
import type { TapeEvent } from "./Tape.js"

export interface OracleResult {
  readonly expectedRevenue: number
  readonly impressions: number
  readonly meanScore: number
  /** Impressions per campaign key. */
  readonly shown: ReadonlyMap<number, number>
}

/**
 * The greedy oracle: knows the click model, and at each request of the tape shows the eligible
 * campaign (active today, targeting matches, not yet seen by this client, under its impressions
 * limit) with the highest expected immediate revenue, price of the impression plus price of a
 * click times its probability. Ties go to the higher ML score, then to the earlier campaign.
 * It is myopic: it never saves a campaign for a later, better client.
 */
export const replay = (market: Market, tape: Iterable<TapeEvent>, model: ClickModel): OracleResult => {
  const clients = new Map(market.clients.map((c) => [c.client_id, c]))
  const scores = new Map(market.scores.map((s) => [scoreKey(s.client_id, s.advertiser_id), s.score]))
  const prices = new Map(
    market.campaigns.map((c) => [c.key, [c.cost_per_impression, c.cost_per_click] as const]),
  )
  const shown = new Map<number, number>()
  const seen = new Set<string>()
  let day = 0
  let expectedRevenue = 0
  let impressions = 0
  let scoreSum = 0
  for (const event of tape) {
    switch (event._tag) {
      case "Day":
        day = event.day
        break
      case "Score":
        scores.set(scoreKey(event.clientId, event.advertiserId), event.score)
        break
      case "Price":
        prices.set(event.key, [event.cost_per_impression, event.cost_per_click])
        break
      case "Request": {
        const client = clients.get(event.clientId)
        if (client === undefined) break
        let best: { key: number; value: number; score: number } | undefined
        for (const campaign of market.campaigns) {
          if (!activeOn(campaign, day) || !targetingMatches(campaign.targeting, client)) continue
          if ((shown.get(campaign.key) ?? 0) >= campaign.impressions_limit) continue
          if (seen.has(`${client.client_id}|${campaign.key}`)) continue
          const [cpi, cpc] = prices.get(campaign.key)!
          const score = scores.get(scoreKey(client.client_id, campaign.advertiser_id)) ?? 0
          const value = cpi + cpc * model.probability(score)
          if (best === undefined || value > best.value || (value === best.value && score > best.score))
            best = { key: campaign.key, value, score }
        }
        if (best === undefined) break
        shown.set(best.key, (shown.get(best.key) ?? 0) + 1)
        seen.add(`${client.client_id}|${best.key}`)
        expectedRevenue += best.value
        impressions++
        scoreSum += best.score
        break
      }
    }
  }
  return { expectedRevenue, impressions, meanScore: impressions === 0 ? 0 : scoreSum / impressions, shown }
}
