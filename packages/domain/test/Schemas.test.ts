import { Ad, Advertiser, Campaign, Client, MlScore, Stats, Targeting, Time } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"

const uuid = "0B0E0F5E-6A4E-4E8E-9A39-5F7C3C0C0C01"
const uuid2 = "0b0e0f5e-6a4e-4e8e-9a39-5f7c3c0c0c02"

const accepts = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => {
  const result = Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(input)
  if (Either.isLeft(result)) assert.fail(String(result.left))
  return result.right
}

const rejects = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(schema)(input)), `accepted ${JSON.stringify(input)}`)

const client = { client_id: uuid, login: "ivan", age: 30, location: "Moscow", gender: "MALE" }
const create = {
  impressions_limit: 100,
  clicks_limit: 10,
  cost_per_impression: 0.5,
  cost_per_click: 2,
  ad_title: "Title",
  ad_text: "Text",
  start_date: 1,
  end_date: 3,
}

describe("Client", () => {
  it("decodes and lower-cases the id", () => {
    assert.deepStrictEqual(accepts(Client.ClientUpsert, client), { ...client, client_id: uuid.toLowerCase() })
  })

  it("rejects bad ids, ages, genders and empty texts", () => {
    rejects(Client.Client, { ...client, client_id: "not-a-uuid" })
    rejects(Client.Client, { ...client, age: -1 })
    rejects(Client.Client, { ...client, age: 20.5 })
    rejects(Client.Client, { ...client, gender: "ALL" })
    rejects(Client.Client, { ...client, login: "" })
    rejects(Client.Client, { ...client, location: "" })
    const { gender: _, ...noGender } = client
    rejects(Client.Client, noGender)
  })
})

describe("Advertiser and MLScore", () => {
  it("decode valid input and reject bad", () => {
    accepts(Advertiser.AdvertiserUpsert, { advertiser_id: uuid, name: "Acme" })
    rejects(Advertiser.Advertiser, { advertiser_id: uuid, name: "" })
    accepts(MlScore.MLScore, { client_id: uuid, advertiser_id: uuid2, score: 0 })
    accepts(MlScore.MLScore, { client_id: uuid, advertiser_id: uuid2, score: 2_147_483_647 })
    rejects(MlScore.MLScore, { client_id: uuid, advertiser_id: uuid2, score: -1 })
    rejects(MlScore.MLScore, { client_id: uuid, advertiser_id: uuid2, score: 1.5 })
    rejects(MlScore.MLScore, { client_id: uuid, advertiser_id: uuid2, score: 2_147_483_648 })
  })
})

describe("CampaignCreate", () => {
  it("a left-out or null targeting is no restriction", () => {
    assert.deepStrictEqual(accepts(Campaign.CampaignCreate, create).targeting, Targeting.none)
    assert.deepStrictEqual(
      accepts(Campaign.CampaignCreate, { ...create, targeting: null }).targeting,
      Targeting.none,
    )
    assert.deepStrictEqual(
      accepts(Campaign.CampaignCreate, { ...create, targeting: { gender: "ALL" } }).targeting,
      {
        ...Targeting.none,
        gender: "ALL",
      },
    )
  })

  it("rejects negative limits and prices, empty texts, bad days and missing fields", () => {
    rejects(Campaign.CampaignCreate, { ...create, impressions_limit: -1 })
    rejects(Campaign.CampaignCreate, { ...create, clicks_limit: 1.5 })
    rejects(Campaign.CampaignCreate, { ...create, cost_per_click: -0.01 })
    rejects(Campaign.CampaignCreate, { ...create, cost_per_impression: "1" })
    rejects(Campaign.CampaignCreate, { ...create, cost_per_impression: Infinity })
    rejects(Campaign.CampaignCreate, { ...create, ad_title: "" })
    rejects(Campaign.CampaignCreate, { ...create, ad_text: "" })
    rejects(Campaign.CampaignCreate, { ...create, start_date: -1 })
    rejects(Campaign.CampaignCreate, { ...create, targeting: { age_from: 5, age_to: 4 } })
    const { ad_text: _, ...noText } = create
    rejects(Campaign.CampaignCreate, noText)
  })
})

describe("CampaignUpdate", () => {
  it("every field is optional; null means left out; targeting defaults to none", () => {
    assert.deepStrictEqual(accepts(Campaign.CampaignUpdate, {}), { targeting: Targeting.none })
    assert.deepStrictEqual(accepts(Campaign.CampaignUpdate, { ad_title: null, clicks_limit: 3 }), {
      clicks_limit: 3,
      targeting: Targeting.none,
    })
    rejects(Campaign.CampaignUpdate, { clicks_limit: -3 })
    rejects(Campaign.CampaignUpdate, { ad_text: "" })
  })
})

describe("Campaign", () => {
  it("always writes every targeting field, null when unrestricted", () => {
    const campaign = Campaign.make(
      accepts(Schema.Struct({ id: Campaign.Campaign.fields.campaign_id }), { id: uuid }).id,
      accepts(Schema.Struct({ id: Campaign.Campaign.fields.advertiser_id }), { id: uuid2 }).id,
      accepts(Campaign.CampaignCreate, create),
    )
    const encoded = Schema.encodeSync(Campaign.Campaign)(campaign)
    assert.deepStrictEqual(encoded, {
      campaign_id: uuid.toLowerCase(),
      advertiser_id: uuid2,
      ...create,
      targeting: { gender: null, age_from: null, age_to: null, location: null },
    })
  })
})

describe("ListParams", () => {
  it("defaults size 10 and page 1, reads query strings, rejects junk", () => {
    assert.deepStrictEqual(accepts(Campaign.ListParams, {}), { size: 10, page: 1 })
    assert.deepStrictEqual(accepts(Campaign.ListParams, { size: "3", page: "2" }), { size: 3, page: 2 })
    rejects(Campaign.ListParams, { size: "-1" })
    rejects(Campaign.ListParams, { page: "1.5" })
    rejects(Campaign.ListParams, { page: "x" })
  })

  it("offset counts pages from 1, with 0 read as the first page", () => {
    assert.strictEqual(Campaign.offset({ size: 10, page: 1 }), 0)
    assert.strictEqual(Campaign.offset({ size: 10, page: 0 }), 0)
    assert.strictEqual(Campaign.offset({ size: 10, page: 3 }), 20)
  })
})

describe("Ad, Stats, TimeAdvance", () => {
  it("decode the contract shapes", () => {
    accepts(Ad.Ad, { ad_id: uuid, ad_title: "t", ad_text: "x", advertiser_id: uuid2 })
    accepts(Ad.AdClick, { client_id: uuid })
    rejects(Ad.AdClick, { client_id: "nope" })
    accepts(Stats.DailyStats, {
      impressions_count: 1,
      clicks_count: 0,
      conversion: 0,
      spent_impressions: 0.5,
      spent_clicks: 0,
      spent_total: 0.5,
      date: 2,
    })
    assert.deepStrictEqual(accepts(Time.TimeAdvance, { current_date: 7 }), { current_date: 7 } as never)
    rejects(Time.TimeAdvance, { current_date: -1 })
    rejects(Time.TimeAdvance, { current_date: 1.5 })
    rejects(Time.TimeAdvance, {})
  })
})
