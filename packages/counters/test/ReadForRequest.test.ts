import { Counters } from "@adflow/counters"
import { Money } from "@adflow/domain"
import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import { advertiserId, campaignId, click, clientId, impression, layer, scoreUpdate } from "./fixtures.js"

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
})
