import { Counters, RedisClient } from "@adflow/counters"
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

/** Counters and their raw connection on another key prefix (nested under the test's, so the testkit cleans it). */
const onPrefix = (suffix: string) =>
  Effect.gen(function* () {
    const { keyPrefix } = yield* RedisClient
    const urls = yield* StackUrls
    const context = yield* Layer.build(
      Layer.fresh(
        Counters.layer.pipe(
          Layer.provideMerge(RedisClient.layer({ url: urls.redis, keyPrefix: keyPrefix + suffix })),
        ),
      ),
    )
    return { counters: Context.get(context, Counters), redis: Context.get(context, RedisClient).redis }
  })

it.layer(layer)("wipe and script reloading", (it) => {
  it.scoped("wipe deletes every counter and score key under the prefix, and nothing else", () =>
    Effect.gen(function* () {
      // Glob characters in the prefix must match literally: the sibling prefix would match them unescaped.
      const mine = yield* onPrefix("we*ird[1]?:")
      const sibling = yield* onPrefix("weXird1Z:")
      const campaign = campaignId()
      const client = clientId()
      const advertiser = advertiserId()
      for (const { counters } of [mine, sibling]) {
        yield* counters.applyImpressions([impression(campaign, client)])
        yield* counters.applyClicks([click(campaign, client)])
        yield* counters.applyScores([scoreUpdate(client, advertiser, 5, 1)])
      }
      yield* Effect.promise(() => mine.redis.set("day", "7"))

      // seen, clicked, totals, scores, scores_at
      assert.strictEqual(yield* mine.counters.wipe, 5)
      const view = yield* mine.counters.readForRequest({
        clientId: client,
        advertiserIds: [advertiser],
        campaignIds: [campaign],
      })
      assert.deepStrictEqual(view.scores.get(advertiser), 0)
      assert.deepStrictEqual(view.campaigns.get(campaign), {
        impressions: 0,
        clicks: 0,
        seen: false,
        clicked: false,
      })
      assert.strictEqual(yield* Effect.promise(() => mine.redis.get("day")), "7")
      assert.strictEqual(yield* mine.counters.wipe, 0)

      const untouched = yield* sibling.counters.readForRequest({
        clientId: client,
        advertiserIds: [advertiser],
        campaignIds: [campaign],
      })
      assert.deepStrictEqual(untouched.scores.get(advertiser), 5)
      assert.deepStrictEqual(untouched.campaigns.get(campaign), {
        impressions: 1,
        clicks: 1,
        seen: true,
        clicked: true,
      })
    }),
  )

  it.effect("wipe then replay rebuilds the same counters", () =>
    Effect.gen(function* () {
      const counters = yield* Counters
      const campaign = campaignId()
      const clients = [clientId(), clientId(), clientId()]
      const impressions = clients.map((c, i) => impression(campaign, c, 1 + i))
      const clicks = [click(campaign, clients[0]!, 4), click(campaign, clients[2]!, 6)]
      yield* counters.applyImpressions(impressions)
      yield* counters.applyClicks(clicks)
      const before = yield* counters.campaignCounters(campaign)

      assert.isAbove(yield* counters.wipe, 0)
      assert.deepStrictEqual(yield* counters.applyImpressions(impressions), ["applied", "applied", "applied"])
      assert.deepStrictEqual(yield* counters.applyClicks(clicks), ["applied", "applied"])
      assert.deepStrictEqual(yield* counters.campaignCounters(campaign), before)
      assert.deepStrictEqual(before, {
        impressions: 3,
        clicks: 2,
        spentImpressionsMicros: 6_000_000,
        spentClicksMicros: 10_000_000,
      })
    }),
  )

  it.effect(
    "scripts survive SCRIPT FLUSH (as after a Redis restart), alone and in pipelines, applying once",
    () =>
      Effect.gen(function* () {
        const counters = yield* Counters
        const { redis } = yield* RedisClient
        const flush = Effect.promise(() => redis.script("FLUSH"))
        // Proves the reload path ran: only a NOSCRIPT reply makes ioredis resend the script itself.
        const noscriptErrors = Effect.promise(() => redis.info("errorstats")).pipe(
          Effect.map((info) => Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(info)?.[1] ?? 0)),
        )
        const noscriptBefore = yield* noscriptErrors
        const campaign = campaignId()
        const [a, b, c] = [clientId(), clientId(), clientId()]
        const admit = (client: typeof a) =>
          counters.admitImpression({
            campaignId: campaign,
            clientId: client,
            impressionsLimit: 10,
            costMicros: Money.fromPrice(1),
            event: outboxEntry(),
          })

        assert.strictEqual(yield* admit(a), "new")
        yield* flush
        assert.strictEqual(yield* admit(b), "new")
        yield* flush
        assert.deepStrictEqual(
          yield* counters.applyImpressions([
            impression(campaign, c, 1),
            impression(campaign, a, 1),
            impression(campaign, c, 1),
          ]),
          ["applied", "duplicate", "duplicate"],
        )
        yield* flush
        assert.deepStrictEqual(yield* counters.applyClicks([click(campaign, a, 2), click(campaign, a, 2)]), [
          "applied",
          "duplicate",
        ])
        yield* flush
        const client = clientId()
        const advertiser = advertiserId()
        assert.deepStrictEqual(
          yield* counters.applyScores([
            scoreUpdate(client, advertiser, 1, 2),
            scoreUpdate(client, advertiser, 9, 1),
          ]),
          ["applied", "stale"],
        )
        yield* flush
        const view = yield* counters.readForRequest({
          clientId: a,
          advertiserIds: [advertiser],
          campaignIds: [campaign],
        })
        assert.deepStrictEqual(view.campaigns.get(campaign), {
          impressions: 3,
          clicks: 1,
          seen: true,
          clicked: true,
        })
        assert.deepStrictEqual(yield* counters.campaignCounters(campaign), {
          impressions: 3,
          clicks: 1,
          spentImpressionsMicros: 3_000_000,
          spentClicksMicros: 2_000_000,
        })
        // A batch of several script calls, each of them answered NOSCRIPT and sent again.
        yield* flush
        const many = campaignId()
        assert.deepStrictEqual(
          yield* counters.applyImpressions(
            Array.from({ length: 1200 }, () => impression(many, clientId(), 1)),
          ),
          Array.from({ length: 1200 }, () => "applied"),
        )
        assert.strictEqual((yield* counters.campaignCounters(many)).impressions, 1200)
        assert.isAbove(yield* noscriptErrors, noscriptBefore)
      }),
  )
})
