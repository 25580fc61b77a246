import { randomUUID } from "node:crypto"
import { Counters, RedisClient } from "@adflow/counters"
import { AdvertiserId, CampaignId, ClientId, Day, Events } from "@adflow/domain"
import { StackUrls, TestNamespace, TestRedis } from "@adflow/testkit"
import { Context, Effect, Layer } from "effect"

/** Counters on the test file's own Redis key prefix (and the RedisClient beneath, for raw checks). */
export const layer = Counters.layer.pipe(
  Layer.provideMerge(TestRedis.layer),
  Layer.provideMerge(TestNamespace.layer),
)

export const campaignId = (): CampaignId => CampaignId.make(randomUUID())
export const clientId = (): ClientId => ClientId.make(randomUUID())
export const advertiserId = (): AdvertiserId => AdvertiserId.make(randomUUID())

const advertiser = advertiserId()

export const impression = (campaign: CampaignId, client: ClientId, cost = 1.5): Events.Impression =>
  new Events.Impression({
    v: Events.SCHEMA_VERSION,
    event_id: Events.impressionId(campaign, client),
    campaign_id: campaign,
    advertiser_id: advertiser,
    client_id: client,
    day: Day.make(1),
    cost,
    score: 0,
    at: 1_700_000_000_000,
  })

/** What an admission records in the outbox: any JSON text will do for the counters' own tests. */
export const outboxEntry = (
  at = 1_700_000_000_000,
  score = 0,
): { readonly json: string; readonly at: number; readonly score: number } => ({
  json: JSON.stringify({ event_id: randomUUID(), at }),
  at,
  score,
})

export const click = (campaign: CampaignId, client: ClientId, cost = 2.25): Events.Click =>
  new Events.Click({
    v: Events.SCHEMA_VERSION,
    event_id: Events.clickId(campaign, client),
    campaign_id: campaign,
    advertiser_id: advertiser,
    client_id: client,
    day: Day.make(1),
    cost,
    at: 1_700_000_000_000,
  })

export const scoreUpdate = (client: ClientId, advertiserId: AdvertiserId, score: number, at: number) =>
  new Events.ScoreUpdate({
    v: Events.SCHEMA_VERSION,
    event_id: Events.scoreId(client, advertiserId, at),
    client_id: client,
    advertiser_id: advertiserId,
    score,
    at,
  })

/**
 * More Counters over connections of their own on the same key prefix, so concurrent calls
 * really interleave inside Redis instead of queueing on one socket. Closed with the scope.
 */
export const moreConnections = (n: number) =>
  Effect.gen(function* () {
    const { keyPrefix } = yield* RedisClient
    const urls = yield* StackUrls
    const connection = Counters.layer.pipe(Layer.provide(RedisClient.layer({ url: urls.redis, keyPrefix })))
    return yield* Effect.forEach(Array.from({ length: n }), () =>
      Layer.build(Layer.fresh(connection)).pipe(Effect.map(Context.get(Counters))),
    )
  })
