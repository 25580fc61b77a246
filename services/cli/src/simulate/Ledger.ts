/** Counts and charges, money in integer micro-units so sums are exact. */
export interface Tally {
  impressions: number
  clicks: number
  impressionMicros: number
  clickMicros: number
}

export const emptyTally = (): Tally => ({ impressions: 0, clicks: 0, impressionMicros: 0, clickMicros: 0 })

export const toMicros = (price: number): number => Math.round(price * 1_000_000)

const addInto = (target: Tally, source: Tally) => {
  target.impressions += source.impressions
  target.clicks += source.clicks
  target.impressionMicros += source.impressionMicros
  target.clickMicros += source.clickMicros
}

/**
 * The simulator's own book of what the API accepted: unique impressions per (client, campaign)
 * at the price in force when shown, accepted clicks at the price in force when clicked, by day.
 */
export class Ledger {
  private readonly byCampaign = new Map<string, Tally>()
  private readonly byCampaignDay = new Map<string, Map<number, Tally>>()
  private readonly shown = new Set<string>()
  private readonly clicked = new Set<string>()

  constructor(private readonly advertiserOf: (campaignId: string) => string | undefined) {}

  hasSeen(campaignId: string, clientId: string): boolean {
    return this.shown.has(`${campaignId}|${clientId}`)
  }

  /** Records a shown ad; true when it is a new unique impression (and so charged). */
  impression(campaignId: string, clientId: string, day: number, costPerImpression: number): boolean {
    const pair = `${campaignId}|${clientId}`
    if (this.shown.has(pair)) return false
    this.shown.add(pair)
    const micros = toMicros(costPerImpression)
    for (const tally of this.tallies(campaignId, day)) {
      tally.impressions++
      tally.impressionMicros += micros
    }
    return true
  }

  /** Records an accepted click; true when it is the pair's first (and so charged). */
  click(campaignId: string, clientId: string, day: number, costPerClick: number): boolean {
    const pair = `${campaignId}|${clientId}`
    if (this.clicked.has(pair)) return false
    this.clicked.add(pair)
    const micros = toMicros(costPerClick)
    for (const tally of this.tallies(campaignId, day)) {
      tally.clicks++
      tally.clickMicros += micros
    }
    return true
  }

  campaign(campaignId: string): Tally {
    return { ...(this.byCampaign.get(campaignId) ?? emptyTally()) }
  }

  campaignDaily(campaignId: string): Map<number, Tally> {
    return new Map(this.byCampaignDay.get(campaignId) ?? [])
  }

  advertiser(advertiserId: string): Tally {
    const total = emptyTally()
    for (const [id, tally] of this.byCampaign)
      if (this.advertiserOf(id) === advertiserId) addInto(total, tally)
    return total
  }

  advertiserDaily(advertiserId: string): Map<number, Tally> {
    const days = new Map<number, Tally>()
    for (const [id, byDay] of this.byCampaignDay) {
      if (this.advertiserOf(id) !== advertiserId) continue
      for (const [day, tally] of byDay) {
        const total = days.get(day) ?? emptyTally()
        addInto(total, tally)
        days.set(day, total)
      }
    }
    return days
  }

  total(): Tally {
    const total = emptyTally()
    for (const tally of this.byCampaign.values()) addInto(total, tally)
    return total
  }

  private tallies(campaignId: string, day: number): [Tally, Tally] {
    let campaign = this.byCampaign.get(campaignId)
    if (campaign === undefined) this.byCampaign.set(campaignId, (campaign = emptyTally()))
    let byDay = this.byCampaignDay.get(campaignId)
    if (byDay === undefined) this.byCampaignDay.set(campaignId, (byDay = new Map()))
    let daily = byDay.get(day)
    if (daily === undefined) byDay.set(day, (daily = emptyTally()))
    return [campaign, daily]
  }
}
