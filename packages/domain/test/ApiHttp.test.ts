import {
  type AdvertiserId,
  Api,
  Campaign,
  CampaignLifecycle,
  type CampaignId,
  Errors,
  StatsMath,
  Targeting,
} from "@adflow/domain"
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

/**
 * The contract's HTTP behaviour in process (a web handler, no socket): statuses, bodies and,
 * above all, that malformed input answers 400 with the contract's error body once
 * `Api.DecodeErrorsAsBadRequest` is provided. The handlers are stand-ins that only echo.
 */

const today = 5
const CAMPAIGN_ID = "11111111-1111-4111-8111-111111111111" as CampaignId
const ADVERTISER_ID = "22222222-2222-4222-8222-222222222222"
const CLIENT_ID = "33333333-3333-4333-8333-333333333333"

const startedCampaign = Campaign.make(CAMPAIGN_ID, ADVERTISER_ID as AdvertiserId, {
  impressions_limit: 100,
  clicks_limit: 10,
  cost_per_impression: 1,
  cost_per_click: 2,
  ad_title: "t",
  ad_text: "x",
  start_date: 1 as never,
  end_date: 9 as never,
  targeting: Targeting.none,
})

const Groups = Layer.mergeAll(
  HttpApiBuilder.group(Api.AdflowApi, "clients", (h) =>
    h
      .handle("getClientById", ({ path }) => Effect.fail(Errors.notFound("client", path.clientId)))
      .handle("upsertClients", ({ payload }) => Effect.succeed(payload)),
  ),
  HttpApiBuilder.group(Api.AdflowApi, "advertisers", (h) =>
    h
      .handle("getAdvertiserById", ({ path }) =>
        Effect.fail(Errors.notFound("advertiser", path.advertiserId)),
      )
      .handle("upsertAdvertisers", ({ payload }) => Effect.succeed(payload)),
  ),
  HttpApiBuilder.group(Api.AdflowApi, "mlScores", (h) => h.handle("upsertMLScore", () => Effect.void)),
  HttpApiBuilder.group(Api.AdflowApi, "campaigns", (h) =>
    h
      .handle("createCampaign", ({ path, payload }) =>
        CampaignLifecycle.validateCreate(payload, today).pipe(
          Effect.map((create) => Campaign.make(CAMPAIGN_ID, path.advertiserId, create)),
        ),
      )
      .handle("listCampaigns", ({ urlParams }) =>
        Effect.succeed(urlParams.size === 0 ? [] : [startedCampaign]),
      )
      .handle("getCampaign", () => Effect.succeed(startedCampaign))
      .handle("updateCampaign", ({ payload }) =>
        CampaignLifecycle.applyUpdate(startedCampaign, payload, today),
      )
      .handle("deleteCampaign", () => Effect.void),
  ),
  HttpApiBuilder.group(Api.AdflowApi, "ads", (h) =>
    h
      .handle("getAdForClient", ({ urlParams }) =>
        Effect.fail(Errors.notFound("ad for client", urlParams.client_id)),
      )
      .handle("recordAdClick", () => Effect.void),
  ),
  HttpApiBuilder.group(Api.AdflowApi, "statistics", (h) =>
    h
      .handle("getCampaignStats", () => Effect.succeed(StatsMath.toStats(StatsMath.zero)))
      .handle("getAdvertiserCampaignsStats", () => Effect.succeed(StatsMath.toStats(StatsMath.zero)))
      .handle("getCampaignDailyStats", () => Effect.succeed([]))
      .handle("getAdvertiserDailyStats", () => Effect.succeed([])),
  ),
  HttpApiBuilder.group(Api.AdflowApi, "time", (h) =>
    h.handle("advanceDay", ({ payload }) => Effect.succeed(payload)),
  ),
  HttpApiBuilder.group(Api.AdflowApi, "system", (h) =>
    h
      .handle("healthz", () => Effect.succeed({ status: "ok" as const }))
      .handle("readyz", () => Effect.fail(Errors.serviceUnavailable("redis is not answering"))),
  ),
)

const ApiLive = HttpApiBuilder.api(Api.AdflowApi).pipe(Layer.provide(Groups))

const WebHandler = Effect.acquireRelease(
  Effect.sync(() =>
    HttpApiBuilder.toWebHandler(
      Layer.mergeAll(ApiLive, Api.DecodeErrorsAsBadRequest, HttpServer.layerContext),
    ),
  ),
  ({ dispose }) => Effect.promise(dispose),
)

interface Answer {
  readonly status: number
  readonly body: unknown
}

const call = (method: string, path: string, body?: unknown) =>
  Effect.gen(function* () {
    const { handler } = yield* WebHandler
    const init: RequestInit =
      body === undefined
        ? { method }
        : {
            method,
            headers: { "content-type": "application/json" },
            body: typeof body === "string" ? body : JSON.stringify(body),
          }
    const response = yield* Effect.promise(() => handler(new Request(`http://adflow.test${path}`, init)))
    const text = yield* Effect.promise(() => response.text())
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) } satisfies Answer
  }).pipe(Effect.scoped)

const assertBadRequest = (
  answer: Answer,
  field: string | undefined,
  code: string = Errors.Code.invalidRequest,
) => {
  assert.strictEqual(answer.status, 400, JSON.stringify(answer.body))
  const body = answer.body as Record<string, unknown>
  assert.deepStrictEqual(
    Object.keys(body).sort(),
    field === undefined ? ["error", "message"] : ["error", "field", "message"],
  )
  assert.strictEqual(body.error, code)
  assert.strictEqual(body.field, field)
  assert.isString(body.message)
}

const client = {
  client_id: CLIENT_ID.toUpperCase(),
  login: "l",
  age: 20,
  location: "Moscow",
  gender: "FEMALE",
}
const create = {
  impressions_limit: 10,
  clicks_limit: 1,
  cost_per_impression: 0.5,
  cost_per_click: 1.25,
  ad_title: "Title",
  ad_text: "Text",
  start_date: today,
  end_date: today + 2,
}
const campaignPath = `/advertisers/${ADVERTISER_ID}/campaigns/${CAMPAIGN_ID}`

describe("AdflowApi over HTTP", () => {
  it.effect("bulk upserts answer 201 with the stored list", () =>
    Effect.gen(function* () {
      const clients = yield* call("POST", "/clients/bulk", [client])
      assert.strictEqual(clients.status, 201)
      assert.deepStrictEqual(clients.body, [{ ...client, client_id: CLIENT_ID }])
      const advertisers = yield* call("POST", "/advertisers/bulk", [
        { advertiser_id: ADVERTISER_ID, name: "Acme" },
      ])
      assert.strictEqual(advertisers.status, 201)
    }),
  )

  it.effect("ml-scores answers 200 with an empty body; delete and click answer 204", () =>
    Effect.gen(function* () {
      const score = yield* call("POST", "/ml-scores", {
        client_id: CLIENT_ID,
        advertiser_id: ADVERTISER_ID,
        score: 7,
      })
      assert.deepStrictEqual(score, { status: 200, body: undefined })
      assert.deepStrictEqual(yield* call("DELETE", campaignPath), { status: 204, body: undefined })
      const click = yield* call("POST", `/ads/${CAMPAIGN_ID}/click`, { client_id: CLIENT_ID })
      assert.deepStrictEqual(click, { status: 204, body: undefined })
    }),
  )

  it.effect("campaign create answers 201 with every targeting field written out", () =>
    Effect.gen(function* () {
      const created = yield* call("POST", `/advertisers/${ADVERTISER_ID}/campaigns`, {
        ...create,
        targeting: { gender: "ALL" },
      })
      assert.strictEqual(created.status, 201)
      assert.deepStrictEqual(created.body, {
        campaign_id: CAMPAIGN_ID,
        advertiser_id: ADVERTISER_ID,
        ...create,
        targeting: { gender: "ALL", age_from: null, age_to: null, location: null },
      })
    }),
  )

  it.effect("malformed path, query and body answer 400 with the error body naming the field", () =>
    Effect.gen(function* () {
      assertBadRequest(yield* call("GET", "/clients/not-a-uuid"), "clientId")
      assertBadRequest(yield* call("GET", "/ads?client_id=42"), "client_id")
      assertBadRequest(yield* call("GET", "/ads"), "client_id")
      assertBadRequest(yield* call("GET", `/advertisers/${ADVERTISER_ID}/campaigns?size=-1`), "size")
      assertBadRequest(yield* call("GET", `/advertisers/${ADVERTISER_ID}/campaigns?page=abc`), "page")
      assertBadRequest(yield* call("POST", "/clients/bulk", [{ ...client, age: -1 }]), "0.age")
      assertBadRequest(yield* call("POST", "/clients/bulk", { ...client }), undefined)
      assertBadRequest(
        yield* call("POST", "/ml-scores", { client_id: CLIENT_ID, advertiser_id: ADVERTISER_ID }),
        "score",
      )
      assertBadRequest(
        yield* call("POST", `/advertisers/${ADVERTISER_ID}/campaigns`, {
          ...create,
          targeting: { age_from: 30, age_to: 20 },
        }),
        "targeting.age_from",
      )
      assertBadRequest(
        yield* call("POST", `/advertisers/${ADVERTISER_ID}/campaigns`, { ...create, cost_per_click: -1 }),
        "cost_per_click",
      )
      assertBadRequest(
        yield* call("PUT", campaignPath, { targeting: { gender: "OTHER" } }),
        "targeting.gender",
      )
      assertBadRequest(yield* call("POST", "/time/advance", { current_date: -1 }), "current_date")
    }),
  )

  it.effect("a body that is not JSON answers 400", () =>
    Effect.gen(function* () {
      assertBadRequest(yield* call("POST", "/time/advance", "{not json"), undefined)
    }),
  )

  it.effect("rule violations answer 400 or 409 with the error body", () =>
    Effect.gen(function* () {
      assertBadRequest(
        yield* call("POST", `/advertisers/${ADVERTISER_ID}/campaigns`, { ...create, start_date: today - 1 }),
        "start_date",
        Errors.Code.dateInPast,
      )
      const locked = yield* call("PUT", campaignPath, { clicks_limit: 11 })
      assert.deepStrictEqual(locked, {
        status: 409,
        body: {
          error: Errors.Code.campaignStarted,
          field: "clicks_limit",
          message: "clicks_limit cannot change after the campaign has started (day 1)",
        },
      })
      const priced = yield* call("PUT", campaignPath, { cost_per_click: 3 })
      assert.strictEqual(priced.status, 200)
      assert.strictEqual((priced.body as { cost_per_click: number }).cost_per_click, 3)
    }),
  )

  it.effect("not found and unavailable answer 404 and 503 with the error body", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* call("GET", `/ads?client_id=${CLIENT_ID}`), {
        status: 404,
        body: { error: "not_found", message: `ad for client ${CLIENT_ID} not found` },
      })
      assert.deepStrictEqual(yield* call("GET", "/readyz"), {
        status: 503,
        body: { error: "service_unavailable", message: "redis is not answering" },
      })
      assert.deepStrictEqual(yield* call("GET", "/healthz"), { status: 200, body: { status: "ok" } })
    }),
  )

  it.effect("time, statistics and lists answer the contract shapes", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* call("POST", "/time/advance", { current_date: 3 }), {
        status: 200,
        body: { current_date: 3 },
      })
      const stats = yield* call("GET", `/stats/campaigns/${CAMPAIGN_ID}`)
      assert.deepStrictEqual(stats, { status: 200, body: StatsMath.toStats(StatsMath.zero) })
      assert.deepStrictEqual(yield* call("GET", `/stats/advertisers/${ADVERTISER_ID}/campaigns/daily`), {
        status: 200,
        body: [],
      })
      assert.deepStrictEqual(yield* call("GET", `/advertisers/${ADVERTISER_ID}/campaigns?size=0&page=2`), {
        status: 200,
        body: [],
      })
      const list = yield* call("GET", `/advertisers/${ADVERTISER_ID}/campaigns`)
      assert.strictEqual(list.status, 200)
      assert.lengthOf(list.body as Array<unknown>, 1)
    }),
  )
})
