import { DeadLetter, EventCodec, EventPublisher } from "@adflow/bus"
import { Counters, ImpressionOutbox, Keys, RedisClient } from "@adflow/counters"
import { Day, Events, Money, Targeting } from "@adflow/domain"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import * as OutboxRelay from "../src/OutboxRelay.js"
import { api, apiLayer, client, createCampaign, raw, registerClients, setup } from "./harness.js"

const TODAY = 3

/** Polls until the outbox is empty, or fails after 20 s. */
const awaitConfirmed = Effect.gen(function* () {
  const outbox = yield* ImpressionOutbox
  const left = yield* outbox.unconfirmed(Number.MAX_SAFE_INTEGER, 1000)
  if (left.length > 0) return yield* Effect.fail(`${left.length} impressions still unconfirmed`)
}).pipe(Effect.retry({ schedule: Schedule.spaced(Duration.millis(100)), times: 200 }))

/** A campaign only the returned client can be shown, and that client. */
const soleAudience = Effect.gen(function* () {
  const advertiser = yield* setup(TODAY)
  const location = `o-${randomUUID()}`
  const campaign = yield* createCampaign(advertiser, {
    start_date: Day.make(TODAY),
    cost_per_impression: 0.25,
    targeting: { ...Targeting.none, location },
  })
  const viewer = client({ location })
  yield* registerClients([viewer])
  return { campaign, viewer }
})

// The processor runs in process behind the API, so statistics show what reached the stream. The
// test's own counters, outbox and publisher play the part of another API instance.
const testLayer = Layer.mergeAll(Counters.layer, ImpressionOutbox.layer, EventPublisher.Default).pipe(
  Layer.provideMerge(apiLayer({ processor: true })),
)

layer(testLayer, { excludeTestServices: true, timeout: "120 seconds" })("impression outbox", (it) => {
  it.effect("an answered ad request leaves no unconfirmed impression behind", () =>
    Effect.gen(function* () {
      const { campaign, viewer } = yield* soleAudience
      const answer = yield* raw("GET", `/ads?client_id=${viewer.client_id}`)
      assert.strictEqual(answer.status, 200)
      assert.strictEqual((answer.body as { ad_id: string }).ad_id, campaign.campaign_id)
      yield* awaitConfirmed
      assert.strictEqual(yield* OutboxRelay.sweep, 0)
    }),
  )

  it.effect(
    "an impression admitted by an API that stopped before publishing is published by the sweep, counted once",
    () =>
      Effect.gen(function* () {
        const http = yield* api
        const counters = yield* Counters
        const { campaign, viewer } = yield* soleAudience
        // What `AdServing` does up to the admission, by an instance that then dies: counted, not published.
        const at = Date.now() - Duration.toMillis(OutboxRelay.REPUBLISH_AFTER) - 1_000
        const event = new Events.Impression({
          v: Events.SCHEMA_VERSION,
          event_id: Events.impressionId(campaign.campaign_id, viewer.client_id),
          campaign_id: campaign.campaign_id,
          advertiser_id: campaign.advertiser_id,
          client_id: viewer.client_id,
          day: Day.make(TODAY),
          cost: 0.25,
          score: 0,
          at,
        })
        const admission = yield* counters.admitImpression({
          campaignId: campaign.campaign_id,
          clientId: viewer.client_id,
          impressionsLimit: campaign.impressions_limit,
          costMicros: Money.fromPrice(0.25),
          event: { json: EventCodec.encodeText(event), at, score: event.score },
        })
        assert.strictEqual(admission, "new")
        const path = { campaignId: campaign.campaign_id }
        assert.strictEqual((yield* http.statistics.getCampaignStats({ path })).impressions_count, 0)

        // The API's own relay may take it first; either way it is in the stream after this sweep.
        yield* OutboxRelay.sweep
        yield* awaitConfirmed
        const stats = yield* http.statistics.getCampaignStats({ path })
        assert.strictEqual(stats.impressions_count, 1)
        assert.strictEqual(stats.spent_impressions, 0.25)
        assert.deepStrictEqual(yield* counters.campaignCounters(campaign.campaign_id), {
          impressions: 1,
          clicks: 0,
          spentImpressionsMicros: 250_000,
          spentClicksMicros: 0,
        })
        assert.strictEqual(yield* OutboxRelay.sweep, 0)

        // The client asking again gets the same ad, not charged again.
        const again = yield* raw("GET", `/ads?client_id=${viewer.client_id}`)
        assert.strictEqual((again.body as { ad_id: string }).ad_id, campaign.campaign_id)
        yield* awaitConfirmed
        const after = yield* http.statistics.getCampaignStats({ path })
        assert.strictEqual(after.impressions_count, 1)
        assert.strictEqual(after.spent_impressions, 0.25)
      }),
  )

  it.effect(
    "an outbox entry that is not an event is published anyway and dead-lettered with the reason",
    () =>
      Effect.gen(function* () {
        const { redis } = yield* RedisClient
        const garbage = `not json ${randomUUID()}`
        const at = Date.now() - Duration.toMillis(OutboxRelay.REPUBLISH_AFTER) - 1_000
        yield* Effect.promise(() => redis.zadd(Keys.unpublishedImpressions, at, garbage))
        yield* OutboxRelay.sweep
        yield* awaitConfirmed
        const letters = yield* DeadLetter.list.pipe(
          Effect.flatMap((all) => {
            const mine = all.filter((entry) => new TextDecoder().decode(entry.data) === garbage)
            return mine.length > 0 ? Effect.succeed(mine) : Effect.fail("not dead-lettered yet")
          }),
          Effect.retry({ schedule: Schedule.spaced(Duration.millis(100)), times: 200 }),
        )
        assert.strictEqual(letters.length, 1)
        assert.match(letters[0]!.reason, /invalid impression event/)
        assert.strictEqual(yield* OutboxRelay.sweep, 0)
      }),
  )
})
