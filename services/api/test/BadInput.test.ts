import { Errors } from "@adflow/domain"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { apiLayer, campaign, client, clientId, createCampaign, day, raw, setup } from "./harness.js"

/** Every kind of malformed input answers 400 with `{error, message, field}`, never a 500. */

const expectBadRequest = (
  answer: { readonly status: number; readonly body: unknown },
  field: string | undefined,
  code: string = Errors.Code.invalidRequest,
) => {
  assert.strictEqual(answer.status, 400, JSON.stringify(answer.body))
  const body = answer.body as Errors.ErrorBody
  assert.strictEqual(body.error, code)
  assert.strictEqual(body.field, field, JSON.stringify(body))
  assert.isString(body.message)
}

layer(apiLayer({ processor: false }), { excludeTestServices: true })("bad input", (it) => {
  it.effect("malformed JSON and wrong body shapes", () =>
    Effect.gen(function* () {
      const advertiser = yield* setup(3)
      for (const path of [
        "/clients/bulk",
        "/advertisers/bulk",
        "/ml-scores",
        "/time/advance",
        `/advertisers/${advertiser}/campaigns`,
      ])
        expectBadRequest(yield* raw("POST", path, "{not json"), undefined)
      expectBadRequest(yield* raw("POST", "/clients/bulk", client()), undefined)
      expectBadRequest(yield* raw("POST", "/time/advance", {}), "current_date")
    }),
  )

  it.effect("wrong types, unknown enums, non-UUID ids, negative numbers", () =>
    Effect.gen(function* () {
      const advertiser = yield* setup(3)
      const campaigns = `/advertisers/${advertiser}/campaigns`
      const valid = campaign({ start_date: day(3) })
      expectBadRequest(yield* raw("POST", "/clients/bulk", [{ ...client(), age: "old" }]), "0.age")
      expectBadRequest(yield* raw("POST", "/clients/bulk", [{ ...client(), age: -1 }]), "0.age")
      expectBadRequest(yield* raw("POST", "/clients/bulk", [{ ...client(), gender: "OTHER" }]), "0.gender")
      expectBadRequest(yield* raw("POST", "/clients/bulk", [{ ...client(), client_id: "42" }]), "0.client_id")
      expectBadRequest(
        yield* raw("POST", "/advertisers/bulk", [{ advertiser_id: "x", name: "n" }]),
        "0.advertiser_id",
      )
      expectBadRequest(yield* raw("GET", "/clients/not-a-uuid"), "clientId")
      expectBadRequest(yield* raw("GET", "/ads?client_id=42"), "client_id")
      expectBadRequest(yield* raw("GET", "/ads"), "client_id")
      expectBadRequest(yield* raw("GET", "/stats/campaigns/nope"), "campaignId")
      expectBadRequest(yield* raw("POST", "/ads/nope/click", { client_id: clientId() }), "adId")
      expectBadRequest(yield* raw("POST", `/ads/${clientId()}/click`, { client_id: "x" }), "client_id")
      expectBadRequest(
        yield* raw("POST", "/ml-scores", { client_id: clientId(), advertiser_id: advertiser, score: -1 }),
        "score",
      )
      expectBadRequest(
        yield* raw("POST", "/ml-scores", { client_id: clientId(), advertiser_id: advertiser, score: 1.5 }),
        "score",
      )
      expectBadRequest(yield* raw("POST", "/time/advance", { current_date: -1 }), "current_date")
      expectBadRequest(yield* raw("POST", "/time/advance", { current_date: "tomorrow" }), "current_date")
      expectBadRequest(yield* raw("POST", campaigns, { ...valid, cost_per_click: -1 }), "cost_per_click")
      expectBadRequest(
        yield* raw("POST", campaigns, { ...valid, impressions_limit: -5 }),
        "impressions_limit",
      )
      expectBadRequest(yield* raw("POST", campaigns, { ...valid, ad_title: "" }), "ad_title")
      expectBadRequest(
        yield* raw("POST", campaigns, { ...valid, targeting: { gender: "ANY" } }),
        "targeting.gender",
      )
      expectBadRequest(yield* raw("GET", `${campaigns}?size=-1`), "size")
      expectBadRequest(yield* raw("GET", `${campaigns}?page=abc`), "page")
    }),
  )

  it.effect("age_from > age_to and dates in the past", () =>
    Effect.gen(function* () {
      const advertiser = yield* setup(3)
      const campaigns = `/advertisers/${advertiser}/campaigns`
      const valid = campaign({ start_date: day(3) })
      expectBadRequest(
        yield* raw("POST", campaigns, { ...valid, targeting: { age_from: 30, age_to: 20 } }),
        "targeting.age_from",
      )
      expectBadRequest(
        yield* raw("POST", campaigns, { ...valid, start_date: 2 }),
        "start_date",
        Errors.Code.dateInPast,
      )
      const created = yield* createCampaign(advertiser, { start_date: day(5), end_date: day(6) })
      const path = `${campaigns}/${created.campaign_id}`
      expectBadRequest(yield* raw("PUT", path, { end_date: 2 }), "end_date", Errors.Code.dateInPast)
      expectBadRequest(
        yield* raw("PUT", path, { targeting: { age_from: 9, age_to: 1 } }),
        "targeting.age_from",
      )
      expectBadRequest(yield* raw("PUT", path, { start_date: 9 }), "start_date", Errors.Code.startAfterEnd)
    }),
  )
})
