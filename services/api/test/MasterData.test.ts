import { Errors, Targeting } from "@adflow/domain"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import {
  advertiserId,
  api,
  campaign,
  campaignId,
  client,
  clientId,
  createCampaign,
  day,
  raw,
  registerClients,
  setup,
  apiLayer,
} from "./harness.js"

layer(apiLayer({ processor: false }), { excludeTestServices: true })("master data", (it) => {
  it.effect("clients: bulk upsert answers 201 with the stored list, replaces, and reads back", () =>
    Effect.gen(function* () {
      const http = yield* api
      const a = client({ age: 20 })
      const b = client({ gender: "FEMALE" })
      assert.deepStrictEqual(yield* registerClients([a, b]), [a, b])
      const replaced = { ...a, login: "renamed", location: "Kazan" }
      assert.deepStrictEqual(yield* registerClients([replaced]), [replaced])
      assert.deepStrictEqual(yield* http.clients.getClientById({ path: { clientId: a.client_id } }), replaced)
      assert.deepStrictEqual(yield* http.clients.getClientById({ path: { clientId: b.client_id } }), b)
      assert.deepStrictEqual(yield* registerClients([]), [])
    }),
  )

  it.effect("clients: a batch with one invalid row stores nothing", () =>
    Effect.gen(function* () {
      const http = yield* api
      const good = client()
      const answer = yield* raw("POST", "/clients/bulk", [good, { ...client(), gender: "OTHER" }])
      assert.strictEqual(answer.status, 400)
      assert.strictEqual((answer.body as Errors.ErrorBody).field, "1.gender")
      const error = yield* Effect.flip(http.clients.getClientById({ path: { clientId: good.client_id } }))
      assert.strictEqual(error._tag, "NotFound")
    }),
  )

  it.effect("unknown client and advertiser answer 404 with the error body", () =>
    Effect.gen(function* () {
      const id = clientId()
      assert.deepStrictEqual(yield* raw("GET", `/clients/${id}`), {
        status: 404,
        body: { error: "not_found", message: `client ${id} not found` },
        text: JSON.stringify({ error: "not_found", message: `client ${id} not found` }),
      })
      const advertiser = advertiserId()
      assert.strictEqual((yield* raw("GET", `/advertisers/${advertiser}`)).status, 404)
      assert.strictEqual((yield* raw("GET", `/advertisers/${advertiser}/campaigns`)).status, 404)
      assert.strictEqual((yield* raw("POST", `/advertisers/${advertiser}/campaigns`, campaign())).status, 404)
    }),
  )

  it.effect("advertisers: bulk upsert replaces and reads back", () =>
    Effect.gen(function* () {
      const http = yield* api
      const id = advertiserId()
      yield* http.advertisers.upsertAdvertisers({ payload: [{ advertiser_id: id, name: "One" }] })
      const stored = yield* http.advertisers.upsertAdvertisers({
        payload: [{ advertiser_id: id, name: "Two" }],
      })
      assert.deepStrictEqual(stored, [{ advertiser_id: id, name: "Two" }])
      assert.deepStrictEqual(yield* http.advertisers.getAdvertiserById({ path: { advertiserId: id } }), {
        advertiser_id: id,
        name: "Two",
      })
    }),
  )

  it.effect(
    "ml-scores: answers 200 with an empty body, also for ids not registered (documented choice)",
    () =>
      Effect.gen(function* () {
        const http = yield* api
        const someone = client()
        yield* registerClients([someone])
        const advertiser = advertiserId()
        yield* http.advertisers.upsertAdvertisers({ payload: [{ advertiser_id: advertiser, name: "A" }] })
        const answer = yield* raw("POST", "/ml-scores", {
          client_id: someone.client_id,
          advertiser_id: advertiser,
          score: 7,
        })
        assert.deepStrictEqual([answer.status, answer.text], [200, ""])
        const unknown = yield* raw("POST", "/ml-scores", {
          client_id: clientId(),
          advertiser_id: advertiserId(),
          score: 0,
        })
        assert.strictEqual(unknown.status, 200)
      }),
  )

  it.effect("time: the day is stored and answered; it may also go back", () =>
    Effect.gen(function* () {
      const http = yield* api
      assert.deepStrictEqual(yield* http.time.advanceDay({ payload: { current_date: day(7) } }), {
        current_date: day(7),
      })
      assert.deepStrictEqual(yield* http.time.advanceDay({ payload: { current_date: day(3) } }), {
        current_date: day(3),
      })
    }),
  )

  it.effect("campaigns: create answers 201 with an id and every targeting field; get reads it back", () =>
    Effect.gen(function* () {
      const http = yield* api
      const advertiser = yield* setup(5)
      const created = yield* createCampaign(advertiser, {
        start_date: day(5),
        end_date: day(9),
        cost_per_impression: 0.123456,
        targeting: { ...Targeting.none, gender: "FEMALE", age_from: 18 },
      })
      assert.strictEqual(created.advertiser_id, advertiser)
      assert.strictEqual(created.cost_per_impression, 0.123456)
      assert.deepStrictEqual(created.targeting, {
        gender: "FEMALE",
        age_from: 18,
        age_to: null,
        location: null,
      })
      const read = yield* http.campaigns.getCampaign({
        path: { advertiserId: advertiser, campaignId: created.campaign_id },
      })
      assert.deepStrictEqual(read, created)
      const wire = yield* raw("GET", `/advertisers/${advertiser}/campaigns/${created.campaign_id}`)
      assert.deepStrictEqual((wire.body as { targeting: unknown }).targeting, created.targeting)
      // Another advertiser's path does not reach it.
      const other = yield* setup(5)
      const error = yield* Effect.flip(
        http.campaigns.getCampaign({ path: { advertiserId: other, campaignId: created.campaign_id } }),
      )
      assert.strictEqual(error._tag, "NotFound")
    }),
  )

  it.effect("campaigns: dates in the past or out of order answer 400 naming the field", () =>
    Effect.gen(function* () {
      const advertiser = yield* setup(5)
      const path = `/advertisers/${advertiser}/campaigns`
      const past = yield* raw("POST", path, campaign({ start_date: day(4) }))
      assert.deepStrictEqual(
        [past.status, (past.body as Errors.ErrorBody).error, (past.body as Errors.ErrorBody).field],
        [400, Errors.Code.dateInPast, "start_date"],
      )
      const endPast = yield* raw("POST", path, campaign({ start_date: day(5), end_date: day(4) }))
      assert.strictEqual((endPast.body as Errors.ErrorBody).field, "end_date")
      const order = yield* raw("POST", path, campaign({ start_date: day(8), end_date: day(6) }))
      assert.deepStrictEqual(
        [order.status, (order.body as Errors.ErrorBody).error],
        [400, Errors.Code.startAfterEnd],
      )
      const today = yield* raw("POST", path, campaign({ start_date: day(5), end_date: day(5) }))
      assert.strictEqual(today.status, 201)
    }),
  )

  it.effect(
    "campaigns: PUT replaces (left-out targeting becomes null), and locks limits and dates once started",
    () =>
      Effect.gen(function* () {
        const http = yield* api
        const advertiser = yield* setup(10)
        const future = yield* createCampaign(advertiser, {
          start_date: day(12),
          end_date: day(20),
          targeting: { ...Targeting.none, location: "Moscow" },
        })
        const path = { advertiserId: advertiser, campaignId: future.campaign_id }
        const changed = yield* http.campaigns.updateCampaign({
          path,
          payload: { impressions_limit: 50, start_date: day(11), ad_title: "New", targeting: Targeting.none },
        })
        assert.deepStrictEqual(changed, {
          ...future,
          impressions_limit: 50,
          start_date: day(11),
          ad_title: "New",
          targeting: Targeting.none,
        })
        yield* http.time.advanceDay({ payload: { current_date: day(11) } })
        for (const [field, value] of [
          ["impressions_limit", 51],
          ["clicks_limit", 1],
          ["end_date", 30],
        ] as const) {
          const locked = yield* raw("PUT", `/advertisers/${advertiser}/campaigns/${future.campaign_id}`, {
            [field]: value,
          })
          assert.strictEqual(locked.status, 409, JSON.stringify(locked.body))
          assert.deepStrictEqual(
            [(locked.body as Errors.ErrorBody).error, (locked.body as Errors.ErrorBody).field],
            [Errors.Code.campaignStarted, field],
          )
        }
        // Prices, texts and targeting still change; resending a locked value is fine.
        const priced = yield* http.campaigns.updateCampaign({
          path,
          payload: {
            cost_per_click: 9,
            impressions_limit: 50,
            targeting: { ...Targeting.none, gender: "ALL" },
          },
        })
        assert.strictEqual(priced.cost_per_click, 9)
        assert.strictEqual(priced.targeting.gender, "ALL")
        const unknown = yield* Effect.flip(
          http.campaigns.updateCampaign({
            path: { advertiserId: advertiser, campaignId: campaignId() },
            payload: { targeting: Targeting.none },
          }),
        )
        assert.strictEqual(unknown._tag, "NotFound")
      }),
  )

  it.effect("campaigns: delete answers 204, then 404 everywhere; list pages in a stable order", () =>
    Effect.gen(function* () {
      const http = yield* api
      const advertiser = yield* setup(1)
      const created = []
      for (let i = 0; i < 5; i++)
        created.push(yield* createCampaign(advertiser, { ad_title: `c${i}`, start_date: day(1) }))
      const list = (size?: number, page?: number) =>
        http.campaigns
          .listCampaigns({
            path: { advertiserId: advertiser },
            urlParams: { size: size ?? 10, page: page ?? 1 },
          })
          .pipe(Effect.map((campaigns) => campaigns.map((c) => c.ad_title)))
      assert.deepStrictEqual(yield* list(), ["c0", "c1", "c2", "c3", "c4"])
      assert.deepStrictEqual(yield* list(2, 1), ["c0", "c1"])
      assert.deepStrictEqual(yield* list(2, 2), ["c2", "c3"])
      assert.deepStrictEqual(yield* list(2, 3), ["c4"])
      assert.deepStrictEqual(yield* list(2, 4), [])
      assert.deepStrictEqual(yield* list(0, 1), [])
      const defaults = yield* raw("GET", `/advertisers/${advertiser}/campaigns`)
      assert.lengthOf(defaults.body as Array<unknown>, 5)

      const path = { advertiserId: advertiser, campaignId: created[1]!.campaign_id }
      yield* http.campaigns.deleteCampaign({ path })
      assert.deepStrictEqual(yield* list(), ["c0", "c2", "c3", "c4"])
      assert.strictEqual((yield* Effect.flip(http.campaigns.getCampaign({ path })))._tag, "NotFound")
      assert.strictEqual((yield* Effect.flip(http.campaigns.deleteCampaign({ path })))._tag, "NotFound")
      assert.strictEqual(
        (yield* Effect.flip(http.campaigns.updateCampaign({ path, payload: { targeting: Targeting.none } })))
          ._tag,
        "NotFound",
      )
    }),
  )
})
