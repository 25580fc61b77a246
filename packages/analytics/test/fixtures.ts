import { AdvertiserId, CampaignId, ClientId, Day, Events, Money } from "@adflow/domain"
import { randomUUID } from "node:crypto"

export const campaignId = (): CampaignId => CampaignId.make(randomUUID())
export const advertiserId = (): AdvertiserId => AdvertiserId.make(randomUUID())
export const clientId = (): ClientId => ClientId.make(randomUUID())

export interface Placement {
  readonly campaign: CampaignId
  readonly advertiser: AdvertiserId
}

export const placement = (advertiser: AdvertiserId = advertiserId()): Placement => ({
  campaign: campaignId(),
  advertiser,
})

export const impression = (
  at: Placement,
  options: { client?: ClientId; day?: number; cost?: number; score?: number } = {},
): Events.Impression => {
  const client = options.client ?? clientId()
  return Events.Impression.make({
    v: Events.SCHEMA_VERSION,
    event_id: Events.impressionId(at.campaign, client),
    campaign_id: at.campaign,
    advertiser_id: at.advertiser,
    client_id: client,
    day: Day.make(options.day ?? 1),
    cost: options.cost ?? 0.5,
    score: options.score ?? 0,
    at: 1_700_000_000_000,
  })
}

export const click = (
  at: Placement,
  options: { client?: ClientId; day?: number; cost?: number } = {},
): Events.Click => {
  const client = options.client ?? clientId()
  return Events.Click.make({
    v: Events.SCHEMA_VERSION,
    event_id: Events.clickId(at.campaign, client),
    campaign_id: at.campaign,
    advertiser_id: at.advertiser,
    client_id: client,
    day: Day.make(options.day ?? 1),
    cost: options.cost ?? 2,
    at: 1_700_000_000_001,
  })
}

/** What the statistics must say for these events, each event id counted once (the first copy wins). */
export const expectedTotals = (events: ReadonlyArray<Events.Impression | Events.Click>) => {
  const unique = new Map<string, Events.Impression | Events.Click>()
  for (const event of events) if (!unique.has(event.event_id)) unique.set(event.event_id, event)
  const all = [...unique.values()]
  const of = (kind: "impression" | "click") => all.filter((event) => event._tag === kind)
  return {
    impressions: of("impression").length,
    clicks: of("click").length,
    spentImpressionsMicros: Money.sum(of("impression").map((event) => Money.fromPrice(event.cost))),
    spentClicksMicros: Money.sum(of("click").map((event) => Money.fromPrice(event.cost))),
  }
}

/** An `events` row as the writer sent it before its rows were built as text: the reference they must equal. */
export const eventRow = (event: Events.Impression | Events.Click) => ({
  event_id: event.event_id,
  kind: event._tag,
  campaign_id: event.campaign_id,
  advertiser_id: event.advertiser_id,
  client_id: event.client_id,
  day: event.day,
  cost_micros: Money.fromPrice(event.cost),
  score: event._tag === "impression" ? event.score : 0,
  at: event.at,
})
