import { type ClientId, Targeting } from "@adflow/domain"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import {
  advertiserId,
  api,
  apiLayer,
  campaignId,
  client,
  createCampaign,
  day,
  raw,
  registerClients,
  setup,
} from "./harness.js"

const zeroStats = {
  impressions_count: 0,
  clicks_count: 0,
  conversion: 0,
  spent_impressions: 0,
  spent_clicks: 0,
  spent_total: 0,
}

// The processor runs in process behind the API; every read waits for it (read-your-writes).
layer(apiLayer({ processor: true }), { excludeTestServices: true, timeout: "120 seconds" })(
  "statistics",
  (it) => {
    it.effect("unknown campaign or advertiser answers 404; a new campaign has zeros and no days", () =>
      Effect.gen(function* () {
        const http = yield* api
        assert.strictEqual((yield* raw("GET", `/stats/campaigns/${campaignId()}`)).status, 404)
        assert.strictEqual((yield* raw("GET", `/stats/campaigns/${campaignId()}/daily`)).status, 404)
        assert.strictEqual((yield* raw("GET", `/stats/advertisers/${advertiserId()}/campaigns`)).status, 404)
        assert.strictEqual(
          (yield* raw("GET", `/stats/advertisers/${advertiserId()}/campaigns/daily`)).status,
          404,
        )
        const advertiser = yield* setup(1)
        const created = yield* createCampaign(advertiser, {
          start_date: day(1),
          targeting: { ...Targeting.none, location: `s-${randomUUID()}` },
        })
        const path = { campaignId: created.campaign_id }
        assert.deepStrictEqual(yield* http.statistics.getCampaignStats({ path }), zeroStats)
        assert.deepStrictEqual(yield* http.statistics.getCampaignDailyStats({ path }), [])
        assert.deepStrictEqual(
          yield* http.statistics.getAdvertiserCampaignsStats({ path: { advertiserId: advertiser } }),
          zeroStats,
        )
      }),
    )

    it.effect(
      "charges each impression and click at the price in force, per day and per advertiser, exactly; deleted campaigns keep theirs",
      () =>
        Effect.gen(function* () {
          const http = yield* api
          const location = `s-${randomUUID()}`
          const targeting = { ...Targeting.none, location }
          const advertiser = yield* setup(1)
          const first = yield* createCampaign(advertiser, {
            start_date: day(1),
            cost_per_impression: 0.1,
            cost_per_click: 0.7,
            targeting,
          })
          const [a, b, c] = [client({ location }), client({ location }), client({ location })]
          yield* registerClients([a, b, c])
          const show = (id: string) =>
            raw("GET", `/ads?client_id=${id}`).pipe(
              Effect.map((answer) => (answer.body as { ad_id: string }).ad_id),
            )
          const click = (id: ClientId) =>
            http.ads.recordAdClick({ path: { adId: first.campaign_id }, payload: { client_id: id } })

          // Day 1: a sees it (twice: one impression) and clicks (twice: one click).
          assert.strictEqual(yield* show(a.client_id), first.campaign_id)
          assert.strictEqual(yield* show(a.client_id), first.campaign_id)
          yield* click(a.client_id)
          yield* click(a.client_id)
          // New prices from now on.
          yield* http.campaigns.updateCampaign({
            path: { advertiserId: advertiser, campaignId: first.campaign_id },
            payload: { cost_per_impression: 0.2, cost_per_click: 1.1, targeting },
          })
          assert.strictEqual(yield* show(b.client_id), first.campaign_id)
          yield* click(b.client_id)
          // Day 2: c sees it at the new price and does not click.
          yield* http.time.advanceDay({ payload: { current_date: day(2) } })
          assert.strictEqual(yield* show(c.client_id), first.campaign_id)

          const path = { campaignId: first.campaign_id }
          const expected = {
            impressions_count: 3,
            clicks_count: 2,
            conversion: (2 / 3) * 100,
            spent_impressions: 0.5,
            spent_clicks: 1.8,
            spent_total: 2.3,
          }
          assert.deepStrictEqual(yield* http.statistics.getCampaignStats({ path }), expected)
          assert.deepStrictEqual(yield* http.statistics.getCampaignDailyStats({ path }), [
            {
              date: day(1),
              impressions_count: 2,
              clicks_count: 2,
              conversion: 100,
              spent_impressions: 0.3,
              spent_clicks: 1.8,
              spent_total: 2.1,
            },
            {
              date: day(2),
              impressions_count: 1,
              clicks_count: 0,
              conversion: 0,
              spent_impressions: 0.2,
              spent_clicks: 0,
              spent_total: 0.2,
            },
          ])

          // A second campaign of the same advertiser adds to the advertiser's figures.
          const elsewhere = `s-${randomUUID()}`
          const second = yield* createCampaign(advertiser, {
            start_date: day(2),
            cost_per_impression: 0.05,
            targeting: { ...Targeting.none, location: elsewhere },
          })
          const d = client({ location: elsewhere })
          yield* registerClients([d])
          assert.strictEqual(yield* show(d.client_id), second.campaign_id)
          const byAdvertiser = { advertiserId: advertiser }
          assert.deepStrictEqual(yield* http.statistics.getAdvertiserCampaignsStats({ path: byAdvertiser }), {
            impressions_count: 4,
            clicks_count: 2,
            conversion: 50,
            spent_impressions: 0.55,
            spent_clicks: 1.8,
            spent_total: 2.35,
          })
          const daily = yield* http.statistics.getAdvertiserDailyStats({ path: byAdvertiser })
          assert.deepStrictEqual(
            daily.map((row) => [row.date, row.impressions_count, row.spent_total]),
            [
              [1, 2, 2.1],
              [2, 2, 0.25],
            ],
          )

          // Deleting the campaign stops serving it, and its statistics stay.
          yield* http.campaigns.deleteCampaign({
            path: { advertiserId: advertiser, campaignId: first.campaign_id },
          })
          assert.deepStrictEqual(yield* http.statistics.getCampaignStats({ path }), expected)
        }),
    )
  },
)
