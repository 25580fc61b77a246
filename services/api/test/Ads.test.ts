import { type Campaign, Errors, Targeting } from "@adflow/domain"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import {
  api,
  apiLayer,
  campaignId,
  client,
  clientId,
  createCampaign,
  day,
  raw,
  registerClients,
  setup,
} from "./harness.js"

// Campaigns of earlier tests stay live in this file's namespace, so every test targets a
// location of its own and its clients live there.
const place = () => `place-${randomUUID()}`
const at = (location: string) => ({ ...Targeting.none, location })

const requestAd = (id: string) => raw("GET", `/ads?client_id=${id}`)

const adOf = (answer: { readonly status: number; readonly body: unknown }) => {
  assert.strictEqual(answer.status, 200, JSON.stringify(answer.body))
  return answer.body as { ad_id: string; ad_title: string; ad_text: string; advertiser_id: string }
}

layer(apiLayer({ processor: false }), { excludeTestServices: true })("GET /ads and clicks", (it) => {
  it.effect("unknown client answers 404; a client with nothing eligible answers 404", () =>
    Effect.gen(function* () {
      yield* setup(1)
      const unknown = yield* requestAd(clientId())
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual((unknown.body as Errors.ErrorBody).error, Errors.Code.notFound)
      const lonely = client({ location: place() })
      yield* registerClients([lonely])
      assert.strictEqual((yield* requestAd(lonely.client_id)).status, 404)
    }),
  )

  it.effect("answers the campaign's ad; the same client again gets the same ad (not charged twice)", () =>
    Effect.gen(function* () {
      const location = place()
      const advertiser = yield* setup(1)
      const created = yield* createCampaign(advertiser, {
        start_date: day(1),
        impressions_limit: 1,
        targeting: at(location),
      })
      const [first, second] = [client({ location }), client({ location })]
      yield* registerClients([first, second])
      const ad = adOf(yield* requestAd(first.client_id))
      assert.deepStrictEqual(ad, {
        ad_id: created.campaign_id,
        ad_title: created.ad_title,
        ad_text: created.ad_text,
        advertiser_id: advertiser,
      })
      assert.deepStrictEqual(adOf(yield* requestAd(first.client_id)), ad)
      // The limit of one was spent once, by the first client.
      assert.strictEqual((yield* requestAd(second.client_id)).status, 404)
    }),
  )

  it.effect("prefers an ad the client has not seen", () =>
    Effect.gen(function* () {
      const location = place()
      const advertiser = yield* setup(1)
      const a = yield* createCampaign(advertiser, { start_date: day(1), targeting: at(location) })
      const b = yield* createCampaign(advertiser, { start_date: day(1), targeting: at(location) })
      const someone = client({ location })
      yield* registerClients([someone])
      const shown = [
        adOf(yield* requestAd(someone.client_id)).ad_id,
        adOf(yield* requestAd(someone.client_id)).ad_id,
      ]
      assert.sameMembers(shown, [a.campaign_id, b.campaign_id])
    }),
  )

  it.effect("serves only from start_date to end_date inclusive", () =>
    Effect.gen(function* () {
      const http = yield* api
      const location = place()
      const advertiser = yield* setup(3)
      yield* createCampaign(advertiser, { start_date: day(5), end_date: day(6), targeting: at(location) })
      const servedOn = (today: number) =>
        Effect.gen(function* () {
          yield* http.time.advanceDay({ payload: { current_date: day(today) } })
          const someone = client({ location })
          yield* registerClients([someone])
          return (yield* requestAd(someone.client_id)).status
        })
      assert.deepStrictEqual(
        [yield* servedOn(4), yield* servedOn(5), yield* servedOn(6), yield* servedOn(7)],
        [404, 200, 200, 404],
      )
    }),
  )

  it.effect("never shows an ad whose targeting does not match the client", () =>
    Effect.gen(function* () {
      const location = place()
      const elsewhere = place()
      const advertiser = yield* setup(1)
      const targetings: Array<Targeting.Targeting> = [
        { gender: "MALE", age_from: null, age_to: null, location },
        { gender: "FEMALE", age_from: 20, age_to: 30, location },
        { gender: "ALL", age_from: 40, age_to: null, location },
        { gender: null, age_from: null, age_to: 25, location },
        { gender: null, age_from: null, age_to: null, location: elsewhere },
      ]
      const campaigns = new Map<string, Campaign.Campaign>()
      for (const targeting of targetings) {
        const created = yield* createCampaign(advertiser, { start_date: day(1), targeting })
        campaigns.set(created.campaign_id, created)
      }
      const people = [20, 25, 30, 35, 40, 45].flatMap((age) =>
        (["MALE", "FEMALE"] as const).map((gender) => client({ age, gender, location })),
      )
      yield* registerClients(people)
      for (const person of people) {
        const expected = targetings.filter((t) => Targeting.matches(t, person)).length
        const shown = new Set<string>()
        for (let i = 0; i < targetings.length + 1; i++) {
          const answer = yield* requestAd(person.client_id)
          if (answer.status === 404) break
          const ad = adOf(answer)
          const campaign = campaigns.get(ad.ad_id)
          assert.isDefined(campaign)
          assert.isTrue(
            Targeting.matches(campaign!.targeting, person),
            `${ad.ad_id} shown to ${JSON.stringify(person)}`,
          )
          shown.add(ad.ad_id)
        }
        assert.strictEqual(shown.size, expected, JSON.stringify(person))
      }
    }),
  )

  it.effect("a deleted campaign is no longer served", () =>
    Effect.gen(function* () {
      const http = yield* api
      const location = place()
      const advertiser = yield* setup(1)
      const created = yield* createCampaign(advertiser, { start_date: day(1), targeting: at(location) })
      const someone = client({ location })
      yield* registerClients([someone])
      yield* http.campaigns.deleteCampaign({
        path: { advertiserId: advertiser, campaignId: created.campaign_id },
      })
      assert.strictEqual((yield* requestAd(someone.client_id)).status, 404)
    }),
  )

  it.effect("a targeting change applies to the next request", () =>
    Effect.gen(function* () {
      const http = yield* api
      const location = place()
      const advertiser = yield* setup(1)
      const created = yield* createCampaign(advertiser, { start_date: day(1), targeting: at(location) })
      const someone = client({ location, gender: "MALE" })
      yield* registerClients([someone])
      yield* http.campaigns.updateCampaign({
        path: { advertiserId: advertiser, campaignId: created.campaign_id },
        payload: { targeting: { ...at(location), gender: "FEMALE" } },
      })
      assert.strictEqual((yield* requestAd(someone.client_id)).status, 404)
      // And a client moving away no longer sees what targets their old place.
      const other = client({ location, gender: "FEMALE" })
      yield* registerClients([other])
      yield* registerClients([{ ...other, location: place() }])
      assert.strictEqual((yield* requestAd(other.client_id)).status, 404)
    }),
  )

  it.effect("many parallel requests never overshoot a small limit", () =>
    Effect.gen(function* () {
      const location = place()
      const advertiser = yield* setup(1)
      yield* createCampaign(advertiser, { start_date: day(1), impressions_limit: 5, targeting: at(location) })
      const people = Array.from({ length: 60 }, () => client({ location }))
      yield* registerClients(people)
      const statuses = yield* Effect.forEach(
        people,
        (p) => Effect.map(requestAd(p.client_id), (a) => a.status),
        {
          concurrency: "unbounded",
        },
      )
      assert.strictEqual(statuses.filter((s) => s === 200).length, 5)
      assert.strictEqual(statuses.filter((s) => s === 404).length, 55)
    }),
  )

  it.effect("clicks: 404 for unknown ids, 409 before an impression, 204 after (twice)", () =>
    Effect.gen(function* () {
      const http = yield* api
      const location = place()
      const advertiser = yield* setup(1)
      const created = yield* createCampaign(advertiser, { start_date: day(1), targeting: at(location) })
      const someone = client({ location })
      yield* registerClients([someone])
      const click = (adId: string, client_id: string) => raw("POST", `/ads/${adId}/click`, { client_id })

      assert.strictEqual((yield* click(campaignId(), someone.client_id)).status, 404)
      assert.strictEqual((yield* click(created.campaign_id, clientId())).status, 404)
      const early = yield* click(created.campaign_id, someone.client_id)
      assert.strictEqual(early.status, 409)
      assert.deepStrictEqual(
        [(early.body as Errors.ErrorBody).error, (early.body as Errors.ErrorBody).field],
        [Errors.Code.adNotShown, "client_id"],
      )

      adOf(yield* requestAd(someone.client_id))
      yield* http.ads.recordAdClick({
        path: { adId: created.campaign_id },
        payload: { client_id: someone.client_id },
      })
      yield* http.ads.recordAdClick({
        path: { adId: created.campaign_id },
        payload: { client_id: someone.client_id },
      })

      yield* http.campaigns.deleteCampaign({
        path: { advertiserId: advertiser, campaignId: created.campaign_id },
      })
      assert.strictEqual((yield* click(created.campaign_id, someone.client_id)).status, 404)
    }),
  )
})
