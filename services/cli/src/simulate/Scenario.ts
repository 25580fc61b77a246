import { SCORE_SCALE } from "./ClickModels.js"
import { generateMarket, type Market, type MlScore, type SimClient } from "./Market.js"
import { Prng } from "./Prng.js"

/**
 * Everything a simulator run will do, drawn up front from its seed: the market, and for every
 * day and round the mid-day price and score changes and the ad requests with their click draws.
 * The run against the API (`Simulation`) and the offline engine replay (`OfflineEngine`) play
 * the same scenario, so a seed means the same market and the same requests in both.
 */
export interface ScenarioShape {
  readonly days: number
  readonly clients: number
  readonly campaigns: number
  readonly seed: number
  /** The first simulated day (the grader starts at 1). */
  readonly startDay: number
  /** Rounds of ad requests per day; prices and scores change between rounds. */
  readonly phasesPerDay: number
}

export interface PriceChange {
  readonly key: number
  readonly cost_per_impression: number
  readonly cost_per_click: number
}

export interface AdRequest {
  readonly client: SimClient
  /** Uniform in [0, 1): the user clicks a new impression when this is below the click probability. */
  readonly clickDraw: number
}

export interface Round {
  /** Applied before this round's requests (always empty in a day's first round). */
  readonly priceChanges: ReadonlyArray<PriceChange>
  readonly scoreChanges: ReadonlyArray<MlScore>
  readonly requests: ReadonlyArray<AdRequest>
}

export interface ScenarioDay {
  readonly day: number
  readonly rounds: ReadonlyArray<Round>
}

export interface Scenario {
  readonly market: Market
  readonly days: ReadonlyArray<ScenarioDay>
}

/** Share of the clients that send a request in a round. */
export const PARTICIPATION = 0.8
/** Share of the running campaigns repriced between rounds. */
const REPRICED = 0.1
/** Share of the clients (in count) whose score for a random advertiser changes between rounds. */
const RESCORED = 0.05

/** Ids come from `newId`, never from the seeded draws, so that ids do not change the market. */
export const plan = (shape: ScenarioShape, newId: () => string): Scenario => {
  const prng = new Prng(shape.seed)
  const market = generateMarket(
    prng,
    {
      clients: shape.clients,
      campaigns: shape.campaigns,
      advertisers: Math.max(1, Math.ceil(shape.campaigns / 3)),
      firstDay: shape.startDay,
      days: shape.days,
      requestsPerClientPerDay: shape.phasesPerDay * PARTICIPATION,
    },
    newId,
  )
  const days: Array<ScenarioDay> = []
  for (let day = shape.startDay; day < shape.startDay + shape.days; day++) {
    const rounds: Array<Round> = []
    for (let phase = 0; phase < shape.phasesPerDay; phase++) {
      const priceChanges: Array<PriceChange> = []
      const scoreChanges: Array<MlScore> = []
      if (phase > 0) {
        const open = market.campaigns.filter((c) => c.end_date >= day)
        for (const campaign of prng.shuffle(open).slice(0, Math.ceil(open.length * REPRICED)))
          priceChanges.push({
            key: campaign.key,
            cost_per_impression: prng.cents(0, 5),
            cost_per_click: prng.cents(0, 40),
          })
        const rescored = Math.ceil(market.clients.length * RESCORED)
        for (let i = 0; i < rescored && market.advertisers.length > 0; i++) {
          const client = prng.pick(market.clients)
          const advertiser = prng.pick(market.advertisers)
          scoreChanges.push({
            client_id: client.client_id,
            advertiser_id: advertiser.advertiser_id,
            score: prng.int(0, SCORE_SCALE),
          })
        }
      }
      const requests = prng
        .shuffle(market.clients)
        .filter(() => prng.chance(PARTICIPATION))
        .map((client) => ({ client, clickDraw: prng.next() }))
      rounds.push({ priceChanges, scoreChanges, requests })
    }
    days.push({ day, rounds })
  }
  return { market, days }
}
