import { ChangeFeed } from "@adflow/bus"
import { Campaign, type CampaignId, Targeting } from "@adflow/domain"
import { CampaignRepo, ClientRepo, AdvertiserRepo, StoreLayer } from "@adflow/store"
import { TestStack } from "@adflow/testkit"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Option, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { CampaignIndex } from "../src/CampaignIndex.js"
import { toInput } from "../src/CampaignRows.js"
import { ClientCache } from "../src/ClientCache.js"
import { CurrentDay } from "../src/CurrentDay.js"
import { advertiserId, campaign, client, day, Migrated } from "./harness.js"

/** Two API instances' caches over the same stores: a write through one reaches the other by a change notice. */
const instance = Layer.fresh(Layer.mergeAll(CurrentDay.Default, ClientCache.Default, CampaignIndex.Default))

const caches = Effect.gen(function* () {
  const context = yield* Layer.build(instance)
  return {
    day: Context.get(context, CurrentDay),
    clients: Context.get(context, ClientCache),
    index: Context.get(context, CampaignIndex),
  }
})

/** Polls until the condition holds (the notice is asynchronous); fails after a generous bound. */
const eventually = <A>(read: Effect.Effect<A, unknown>, holds: (a: A) => boolean) =>
  read.pipe(
    Effect.repeat({ until: holds, schedule: Schedule.spaced("20 millis") }),
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => "the change never arrived" }),
  )

layer(
  Layer.mergeAll(StoreLayer, ChangeFeed.Default).pipe(
    Layer.provide(Migrated),
    Layer.provideMerge(TestStack.layer),
  ),
  { excludeTestServices: true },
)("cache refresh across instances", (it) => {
  it.scoped("the day, a campaign and a client written through one instance reach the other", () =>
    Effect.gen(function* () {
      const a = yield* caches
      const b = yield* caches

      yield* a.day.set(day(9))
      assert.strictEqual(a.day.get(), 9)
      yield* eventually(
        Effect.sync(() => b.day.get()),
        (d) => d === 9,
      )

      const advertiser = advertiserId()
      yield* (yield* AdvertiserRepo).upsertMany([{ advertiser_id: advertiser, name: "n" }])
      const created = Campaign.make(randomUUID() as CampaignId, advertiser, {
        ...campaign({ start_date: day(9) }),
        targeting: Targeting.none,
      })
      const repo = yield* CampaignRepo
      const row = yield* repo.insert(toInput(created))
      yield* a.index.stored(row)
      yield* eventually(
        Effect.sync(() => b.index.get(created.campaign_id)),
        (found) => found !== undefined,
      )
      yield* repo.softDelete(advertiser, created.campaign_id)
      yield* a.index.deleted(created.campaign_id)
      assert.isUndefined(a.index.get(created.campaign_id))
      yield* eventually(
        Effect.sync(() => b.index.get(created.campaign_id)),
        (found) => found === undefined,
      )

      const person = client({ age: 20 })
      const clients = yield* ClientRepo
      yield* clients.upsertMany([person])
      assert.strictEqual(Option.getOrThrow(yield* b.clients.get(person.client_id)).age, 20)
      const older = yield* clients.upsertMany([{ ...person, age: 21 }])
      yield* a.clients.stored(older)
      yield* eventually(
        b.clients.get(person.client_id).pipe(Effect.map((found) => Option.getOrThrow(found).age)),
        (age) => age === 21,
      )
    }),
  )
})
