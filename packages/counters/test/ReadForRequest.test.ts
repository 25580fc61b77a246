import { campaignViewAt, Counters, Keys, RedisClient } from "@adflow/counters"
import type { CampaignId } from "@adflow/domain"
import { Money } from "@adflow/domain"
import { StackUrls } from "@adflow/testkit"
import { assert, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import {
  advertiserId,
  campaignId,
  click,
  clientId,
  impression,
  layer,
  scoreUpdate,
  outboxEntry,
} from "./fixtures.js"

/**
 * Counters over a connection of their own on the test's prefix, recording the name of every
 * command ioredis sends on it (after the connection's own handshake), and the connection's id.
 */
const countingCounters = Effect.gen(function* () {
  const { keyPrefix } = yield* RedisClient
  const urls = yield* StackUrls
  const context = yield* Layer.build(
    Layer.fresh(Counters.layer.pipe(Layer.provideMerge(RedisClient.layer({ url: urls.redis, keyPrefix })))),
  )
  const { redis } = Context.get(context, RedisClient)
  const connectionId = yield* Effect.promise(() => redis.client("ID"))
  const sent: Array<string> = []
  const sendCommand = redis.sendCommand.bind(redis)
  redis.sendCommand = (command, stream) => {
    sent.push(command.name)
    return sendCommand(command, stream)
  }
  return { counters: Context.get(context, Counters), sent, connectionId }
})

it.layer(layer)("readForRequest", (it) => {
  it.effect("reads the client's scores (missing = 0) and each campaign's counts, seen and clicked", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const other = clientId()
      const [scored, unscored] = [advertiserId(), advertiserId()]
      const [shown, clickedCampaign, othersOnly, unknown] = [
        campaignId(),
        campaignId(),
        campaignId(),
        campaignId(),
      ]
      yield* counters.applyScores([scoreUpdate(client, scored, 17, 1), scoreUpdate(other, unscored, 9, 1)])
      yield* counters.applyImpressions([
        impression(shown, client),
        impression(shown, other),
        impression(clickedCampaign, client),
        impression(othersOnly, other),
      ])
      yield* counters.applyClicks([click(clickedCampaign, client), click(othersOnly, other)])

      const view = yield* counters.readForRequest({
        clientId: client,
        advertiserIds: [scored, unscored],
        campaignIds: [shown, clickedCampaign, othersOnly, unknown],
      })
      assert.deepStrictEqual(
        [...view.scores],
        [
          [scored, 17],
          [unscored, 0],
        ],
      )
      assert.deepStrictEqual(
        [...view.campaigns],
        [
          [shown, { impressions: 2, clicks: 0, seen: true, clicked: false }],
          [clickedCampaign, { impressions: 1, clicks: 1, seen: true, clicked: true }],
          [othersOnly, { impressions: 1, clicks: 1, seen: false, clicked: false }],
          [unknown, { impressions: 0, clicks: 0, seen: false, clicked: false }],
        ],
      )
    }),
  )

  it.effect("works with only advertisers, only campaigns, or neither", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const advertiser = advertiserId()
      const campaign = campaignId()
      yield* counters.applyScores([scoreUpdate(client, advertiser, 3, 1)])
      yield* counters.applyImpressions([impression(campaign, client)])

      const scoresOnly = yield* counters.readForRequest({
        clientId: client,
        advertiserIds: [advertiser],
        campaignIds: [],
      })
      assert.deepStrictEqual([...scoresOnly.scores], [[advertiser, 3]])
      assert.strictEqual(scoresOnly.campaigns.size, 0)

      const campaignsOnly = yield* counters.readForRequest({
        clientId: client,
        advertiserIds: [],
        campaignIds: [campaign],
      })
      assert.strictEqual(campaignsOnly.scores.size, 0)
      assert.deepStrictEqual(campaignsOnly.campaigns.get(campaign), {
        impressions: 1,
        clicks: 0,
        seen: true,
        clicked: false,
      })

      const neither = yield* counters.readForRequest({ clientId: client, advertiserIds: [], campaignIds: [] })
      assert.strictEqual(neither.scores.size, 0)
      assert.strictEqual(neither.campaigns.size, 0)
    }),
  )

  it.effect("sees what admitImpression just did", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const campaign = campaignId()
      yield* counters.admitImpression({
        campaignId: campaign,
        clientId: client,
        impressionsLimit: 5,
        costMicros: Money.Micros.make(0),
        event: outboxEntry(),
      })
      const view = yield* counters.readForRequest({
        clientId: client,
        advertiserIds: [],
        campaignIds: [campaign],
      })
      assert.deepStrictEqual(view.campaigns.get(campaign), {
        impressions: 1,
        clicks: 0,
        seen: true,
        clicked: false,
      })
    }),
  )

  it.effect("repeated ids in the request read consistently", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const advertiser = advertiserId()
      const campaign = campaignId()
      yield* counters.applyScores([scoreUpdate(client, advertiser, 6, 1)])
      yield* counters.applyImpressions([impression(campaign, clientId())])
      const view = yield* counters.readForRequest({
        clientId: client,
        advertiserIds: [advertiser, advertiser],
        campaignIds: [campaign, campaign],
      })
      assert.deepStrictEqual([...view.scores], [[advertiser, 6]])
      assert.deepStrictEqual(
        [...view.campaigns],
        [[campaign, { impressions: 1, clicks: 0, seen: false, clicked: false }]],
      )
    }),
  )

  it.scoped("is one script call (EVALSHA once the script is known) whatever the number of campaigns", () =>
    Effect.gen(function* () {
      const { counters, sent, connectionId } = yield* countingCounters
      const { redis } = yield* RedisClient
      const client = clientId()
      const advertisers = Array.from({ length: 5 }, advertiserId)
      for (const campaigns of [1, 8, 50, 200]) {
        sent.length = 0
        const view = yield* counters.readForRequest({
          clientId: client,
          advertiserIds: advertisers,
          campaignIds: Array.from({ length: campaigns }, campaignId),
        })
        assert.strictEqual(view.campaigns.size, campaigns)
        assert.deepStrictEqual(sent, ["evalsha"], `${campaigns} campaigns`)
      }
      // Seen from the server: the last command this connection ran.
      const info = yield* Effect.promise(() => redis.client("LIST", "ID", String(connectionId)))
      assert.match(String(info), /\bcmd=evalsha\b/)
    }),
  )

  it.effect("reads hundreds of campaigns and more advertisers than one HMGET takes, in order", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const { redis } = yield* RedisClient
      const client = clientId()
      const advertisers = Array.from({ length: 2500 }, advertiserId)
      yield* counters.applyScores(
        advertisers.flatMap((advertiser, i) =>
          i % 7 === 0 ? [scoreUpdate(client, advertiser, i / 7, 1)] : [],
        ),
      )
      const campaigns = Array.from({ length: 300 }, campaignId)
      // Campaign i: shown to the client when i % 3 == 0 (clicked when also i % 5 == 0), and to
      // i % 4 other clients, one of whom clicked when i % 2 == 1.
      const shownToClient = (i: number) => i % 3 === 0
      const clickedByClient = (i: number) => i % 3 === 0 && i % 5 === 0
      const others = campaigns.map((_, i) => Array.from({ length: i % 4 }, clientId))
      yield* counters.applyImpressions(
        campaigns.flatMap((campaign, i) => [
          ...(shownToClient(i) ? [impression(campaign, client)] : []),
          ...others[i]!.map((other) => impression(campaign, other)),
        ]),
      )
      yield* counters.applyClicks(
        campaigns.flatMap((campaign, i) => [
          ...(clickedByClient(i) ? [click(campaign, client)] : []),
          ...(i % 2 === 1 && others[i]!.length > 0 ? [click(campaign, others[i]![0]!)] : []),
        ]),
      )

      const view = yield* counters.readForRequest({
        clientId: client,
        advertiserIds: advertisers,
        campaignIds: campaigns,
      })
      assert.deepStrictEqual(
        [...view.scores],
        advertisers.map((advertiser, i) => [advertiser, i % 7 === 0 ? i / 7 : 0]),
      )
      const expected = (i: number) => ({
        impressions: (shownToClient(i) ? 1 : 0) + (i % 4),
        clicks: (clickedByClient(i) ? 1 : 0) + (i % 2 === 1 && i % 4 > 0 ? 1 : 0),
        seen: shownToClient(i),
        clicked: clickedByClient(i),
      })
      assert.deepStrictEqual(
        [...view.campaigns],
        campaigns.map((campaign, i) => [campaign, expected(i)]),
      )
      // The same as the one-key reads.
      for (const [i, campaign] of campaigns.entries()) {
        if (i % 50 !== 0) continue
        const totals = yield* counters.campaignCounters(campaign)
        assert.strictEqual(totals.impressions, expected(i).impressions)
        assert.strictEqual(totals.clicks, expected(i).clicks)
        assert.strictEqual(yield* counters.hasSeen(campaign, client), expected(i).seen)
        assert.strictEqual(
          (yield* Effect.promise(() => redis.sismember(Keys.clicked(campaign), client))) === 1,
          expected(i).clicked,
        )
      }
    }),
  )

  it.effect("fails with CountersError on a key of the wrong type or a count that is not a number", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const { redis } = yield* RedisClient
      const client = clientId()
      const read = (campaign: CampaignId) =>
        counters.readForRequest({
          clientId: client,
          advertiserIds: [],
          campaignIds: [campaignId(), campaign],
        })

      const wrongType = campaignId()
      yield* Effect.promise(() => redis.set(Keys.totals(wrongType), "7"))
      const notAHash = yield* Effect.flip(read(wrongType))
      assert.strictEqual(notAHash._tag, "CountersError")
      assert.strictEqual(notAHash.operation, "readForRequest")
      assert.match(notAHash.message, /WRONGTYPE/)

      const garbled = campaignId()
      yield* Effect.promise(() => redis.hset(Keys.totals(garbled), Keys.CounterField.clicks, "many"))
      const notANumber = yield* Effect.flip(read(garbled))
      assert.strictEqual(notANumber.operation, "readForRequest")
      assert.match(notANumber.message, /non-numeric counts/)

      const wrongScores = clientId()
      yield* Effect.promise(() => redis.set(Keys.scores(wrongScores), "x"))
      const scoresNotAHash = yield* Effect.flip(
        counters.readForRequest({ clientId: wrongScores, advertiserIds: [advertiserId()], campaignIds: [] }),
      )
      assert.match(scoresNotAHash.message, /WRONGTYPE/)
    }),
  )
})

it.layer(layer)("readForServing", (it) => {
  it.effect("reads the client's whole score hash and each campaign's counters, flat and in order", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const other = clientId()
      const [first, second, othersAdvertiser] = [advertiserId(), advertiserId(), advertiserId()]
      const [shown, clickedCampaign, unknown] = [campaignId(), campaignId(), campaignId()]
      yield* counters.applyScores([
        scoreUpdate(client, first, 17, 1),
        scoreUpdate(client, second, 4, 1),
        scoreUpdate(other, othersAdvertiser, 9, 1),
      ])
      yield* counters.applyImpressions([
        impression(shown, client),
        impression(shown, other),
        impression(clickedCampaign, client),
      ])
      yield* counters.applyClicks([click(clickedCampaign, client)])

      const view = yield* counters.readForServing({
        clientId: client,
        scores: true,
        campaignIds: [shown, clickedCampaign, unknown],
      })
      const pairs: Array<[string, number]> = []
      for (let k = 0; k < view.scores.length; k += 2)
        pairs.push([view.scores[k]!, Number(view.scores[k + 1])])
      assert.deepStrictEqual(
        pairs.sort(([a], [b]) => a.localeCompare(b)),
        (
          [
            [first, 17],
            [second, 4],
          ] as Array<[string, number]>
        ).sort(([a], [b]) => a.localeCompare(b)),
      )
      assert.deepStrictEqual(view.counters, [2, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0])
      assert.deepStrictEqual(campaignViewAt(view.counters, 1), {
        impressions: 1,
        clicks: 1,
        seen: true,
        clicked: true,
      })
    }),
  )

  it.effect("without scores, or for a client without any, answers no scores", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const client = clientId()
      const campaign = campaignId()
      yield* counters.applyScores([scoreUpdate(client, advertiserId(), 3, 1)])
      yield* counters.applyImpressions([impression(campaign, client)])

      const countersOnly = yield* counters.readForServing({
        clientId: client,
        scores: false,
        campaignIds: [campaign],
      })
      assert.deepStrictEqual(countersOnly, { scores: [], counters: [1, 0, 1, 0] })

      const unscored = yield* counters.readForServing({
        clientId: clientId(),
        scores: true,
        campaignIds: [campaign],
      })
      assert.deepStrictEqual(unscored, { scores: [], counters: [1, 0, 0, 0] })

      const neither = yield* counters.readForServing({ clientId: client, scores: false, campaignIds: [] })
      assert.deepStrictEqual(neither, { scores: [], counters: [] })
    }),
  )

  it.effect("fails with CountersError when the score hash is not a hash", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const { redis } = yield* RedisClient
      const client = clientId()
      yield* Effect.promise(() => redis.set(Keys.scores(client), "x"))
      const error = yield* Effect.flip(
        counters.readForServing({ clientId: client, scores: true, campaignIds: [] }),
      )
      assert.strictEqual(error.operation, "readForRequest")
      assert.match(error.message, /WRONGTYPE/)
    }),
  )
})
