import { ClickLearning } from "@adflow/counters"
import { Engine, Targeting } from "@adflow/domain"
import { assert, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { api, apiLayer, client, createCampaign, day, raw, registerClients, setup } from "./harness.js"

/** The ad request ranks with the decision engine (packages/domain `Engine`), not a fixed rule. */

const place = () => `place-${randomUUID()}`
const at = (location: string) => ({ ...Targeting.none, location })

/** A new client at `location` asks for an ad; answers the ad's campaign id. */
const servedToNewClient = (location: string) =>
  Effect.gen(function* () {
    const someone = client({ location })
    yield* registerClients([someone])
    const answer = yield* raw("GET", `/ads?client_id=${someone.client_id}`)
    assert.strictEqual(answer.status, 200, answer.text)
    return (answer.body as { ad_id: string }).ad_id
  })

layer(apiLayer({ processor: true }), { excludeTestServices: true, timeout: "60 seconds" })(
  "the engine decides which ad is served",
  (it) => {
    it.effect("a campaign behind its pacing schedule beats a dearer one far ahead of it", () =>
      Effect.gen(function* () {
        const location = place()
        const advertiser = yield* setup(1)
        // Ten days, limit 10, and 5 delivered on day 1 (half the limit where a tenth was due):
        // its pacing factor falls to the floor (0.5), so 1.5 is worth 0.75.
        const ahead = yield* createCampaign(advertiser, {
          start_date: day(1),
          end_date: day(10),
          impressions_limit: 10,
          cost_per_impression: 1.5,
          cost_per_click: 0,
          targeting: at(location),
        })
        for (let i = 0; i < 5; i++) assert.strictEqual(yield* servedToNewClient(location), ahead.campaign_id)
        // Nothing delivered yet, a tenth due: boosted to 1.2, so 1 is worth 1.2 (a price-only rule picks `ahead`).
        const behind = yield* createCampaign(advertiser, {
          start_date: day(1),
          end_date: day(10),
          impressions_limit: 1000,
          cost_per_impression: 1,
          cost_per_click: 0,
          targeting: at(location),
        })
        assert.strictEqual(yield* servedToNewClient(location), behind.campaign_id)
      }),
    )

    it.effect("the higher expected value wins, with click rates learned by ML score", () =>
      Effect.gen(function* () {
        // Learned: clients scoring ~900 click half the time, those scoring ~10 almost never.
        const learning = yield* ClickLearning.make
        yield* learning.reset
        yield* learning.record({
          impressionsByBucket: new Map([
            [Engine.ClickRate.bucketOf(900), 10_000],
            [Engine.ClickRate.bucketOf(10), 10_000],
          ]),
          clicksByBucket: new Map([
            [Engine.ClickRate.bucketOf(900), 5_000],
            [Engine.ClickRate.bucketOf(10), 10],
          ]),
        })
        const http = yield* api
        const location = place()
        const [liked, other] = [yield* setup(1), yield* setup(1)]
        // Expected: 0.1 + 10 · 0.5 = 5.1 for the client's favourite advertiser, 2 + 10 · 0.001
        // for the other; with the prior's 5% everywhere the other would win (2.5 against 0.6).
        const relevant = yield* createCampaign(liked, {
          start_date: day(1),
          cost_per_impression: 0.1,
          cost_per_click: 10,
          targeting: at(location),
        })
        yield* createCampaign(other, {
          start_date: day(1),
          cost_per_impression: 2,
          cost_per_click: 10,
          targeting: at(location),
        })
        // New clients with those scores, until the API has applied the scores and read the
        // learned rates (both asynchronous); the answer must then be the relevant campaign.
        const served = yield* Effect.gen(function* () {
          const someone = client({ location })
          yield* registerClients([someone])
          yield* http.mlScores.upsertMLScore({
            payload: { client_id: someone.client_id, advertiser_id: liked, score: 900 },
          })
          yield* http.mlScores.upsertMLScore({
            payload: { client_id: someone.client_id, advertiser_id: other, score: 10 },
          })
          yield* Effect.sleep("300 millis")
          const answer = yield* raw("GET", `/ads?client_id=${someone.client_id}`)
          const id = (answer.body as { ad_id: string }).ad_id
          return id === relevant.campaign_id ? Effect.succeed(id) : Effect.fail("another campaign")
        }).pipe(
          Effect.flatten,
          Effect.retry(Schedule.spaced("200 millis")),
          Effect.timeoutFail({
            duration: "20 seconds",
            onTimeout: () => "the engine never chose by learned rates",
          }),
        )
        assert.strictEqual(served, relevant.campaign_id)
      }),
    )
  },
)
