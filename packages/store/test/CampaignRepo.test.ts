import { type AdvertiserId, Day, Money } from "@adflow/domain"
import { assert, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import {
  AdvertiserMissing,
  AdvertiserRepo,
  type CampaignInput,
  CampaignRepo,
  type CampaignRow,
} from "../src/index.js"
import { newAdvertiserId, newCampaignId, StoreTest } from "./support.js"

const campaign = (advertiser_id: AdvertiserId, overrides: Partial<CampaignInput> = {}): CampaignInput => ({
  campaign_id: newCampaignId(),
  advertiser_id,
  impressions_limit: 100,
  clicks_limit: 10,
  cost_per_impression_micros: Money.fromPrice(0.25),
  cost_per_click_micros: Money.fromPrice(3),
  ad_title: "Title",
  ad_text: "Text",
  start_date: Day.make(1),
  end_date: Day.make(5),
  gender: null,
  age_from: null,
  age_to: null,
  location: null,
  ...overrides,
})

const fields = ({ created_at: _c, updated_at: _u, deleted_at: _d, ...input }: CampaignRow): CampaignInput =>
  input

class StartedAlready extends Schema.TaggedError<StartedAlready>()("StartedAlready", {}) {}

const withAdvertiser = Effect.gen(function* () {
  const advertiser = newAdvertiserId()
  yield* (yield* AdvertiserRepo).upsertMany([{ advertiser_id: advertiser, name: "Acme" }])
  return advertiser
})

it.layer(StoreTest)("CampaignRepo", (it) => {
  it.effect("inserts and reads back every field, with null targeting kept null", () =>
    Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const advertiser = yield* withAdvertiser
      const plain = campaign(advertiser)
      const targeted = campaign(advertiser, {
        gender: "FEMALE",
        age_from: 18,
        age_to: 30,
        location: "Moscow",
        cost_per_impression_micros: Money.fromPrice(123456.789012),
      })
      const stored = yield* repo.insert(plain)
      assert.deepStrictEqual(fields(stored), plain)
      assert.isNull(stored.deleted_at)
      assert.instanceOf(stored.created_at, Date)
      assert.deepStrictEqual(fields(yield* repo.insert(targeted)), targeted)
      assert.deepStrictEqual(
        Option.map(yield* repo.findById(targeted.campaign_id), fields),
        Option.some(targeted),
      )
      assert.isTrue(Option.isNone(yield* repo.findById(newCampaignId())))
    }),
  )

  it.effect("refuses a campaign of an unknown advertiser, and one that breaks a rule", () =>
    Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const missing = newAdvertiserId()
      const error = yield* Effect.flip(repo.insert(campaign(missing)))
      assert.deepStrictEqual(error, new AdvertiserMissing({ advertiser_id: missing }))

      const advertiser = yield* withAdvertiser
      for (const bad of [
        campaign(advertiser, { start_date: Day.make(6), end_date: Day.make(5) }),
        campaign(advertiser, { age_from: 40, age_to: 20 }),
        campaign(advertiser, { gender: "OTHER" as "ALL" }),
        campaign(advertiser, { impressions_limit: -1 }),
      ]) {
        const violation = yield* Effect.flip(repo.insert(bad))
        assert.strictEqual(violation._tag, "ConstraintViolation")
        assert.isTrue(Option.isNone(yield* repo.findById(bad.campaign_id, { includeDeleted: true })))
      }
    }),
  )

  it.effect("update replaces every field (left-out targeting becomes null) and keeps the creation time", () =>
    Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const advertiser = yield* withAdvertiser
      const original = yield* repo.insert(
        campaign(advertiser, { gender: "MALE", age_from: 20, location: "Kazan" }),
      )
      const replacement = campaign(advertiser, {
        campaign_id: original.campaign_id,
        ad_title: "New title",
        cost_per_click_micros: Money.fromPrice(4.5),
      })
      const updated = yield* repo.update(replacement)
      assert.isTrue(Option.isSome(updated))
      const row = Option.getOrThrow(updated)
      assert.deepStrictEqual(fields(row), replacement)
      assert.deepStrictEqual(row.created_at, original.created_at)
      assert.deepStrictEqual(
        Option.map(yield* repo.findById(original.campaign_id), fields),
        Option.some(replacement),
      )
    }),
  )

  it.effect("update answers none for an unknown, deleted or other advertiser's campaign", () =>
    Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const advertiser = yield* withAdvertiser
      const other = yield* withAdvertiser
      assert.isTrue(Option.isNone(yield* repo.update(campaign(advertiser))))
      const mine = yield* repo.insert(campaign(advertiser))
      assert.isTrue(
        Option.isNone(yield* repo.update({ ...fields(mine), advertiser_id: other, ad_title: "stolen" })),
      )
      assert.isTrue(yield* repo.softDelete(advertiser, mine.campaign_id))
      assert.isTrue(Option.isNone(yield* repo.update({ ...fields(mine), ad_title: "revived" })))
      const stored = yield* repo.findById(mine.campaign_id, { includeDeleted: true })
      assert.deepStrictEqual(
        Option.map(stored, (c) => c.ad_title),
        Option.some("Title"),
      )
    }),
  )

  it.effect("update runs the check on the current row and stores nothing when it fails", () =>
    Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const advertiser = yield* withAdvertiser
      const original = yield* repo.insert(campaign(advertiser, { start_date: Day.make(1) }))
      let seen: CampaignRow | undefined
      const error = yield* Effect.flip(
        repo.update({ ...fields(original), impressions_limit: 5 }, (current) => {
          seen = current
          return current.start_date <= 3 ? Effect.fail(new StartedAlready()) : Effect.void
        }),
      )
      assert.strictEqual(error._tag, "StartedAlready")
      assert.deepStrictEqual(seen && fields(seen), fields(original))
      assert.deepStrictEqual(
        Option.map(yield* repo.findById(original.campaign_id), (c) => c.impressions_limit),
        Option.some(100),
      )
      // A failing rule of the table rolls back too.
      const violation = yield* Effect.flip(repo.update({ ...fields(original), age_from: 9, age_to: 1 }))
      assert.strictEqual(violation._tag, "ConstraintViolation")
      assert.deepStrictEqual(
        Option.map(yield* repo.findById(original.campaign_id), fields),
        Option.some(fields(original)),
      )
    }),
  )

  it.effect("soft delete hides the campaign from every read but an explicit one", () =>
    Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const advertiser = yield* withAdvertiser
      const kept = yield* repo.insert(campaign(advertiser))
      const gone = yield* repo.insert(campaign(advertiser))
      assert.isFalse(yield* repo.softDelete(newAdvertiserId(), gone.campaign_id))
      assert.isTrue(yield* repo.softDelete(advertiser, gone.campaign_id))
      assert.isFalse(yield* repo.softDelete(advertiser, gone.campaign_id))

      assert.isTrue(Option.isNone(yield* repo.findById(gone.campaign_id)))
      const deleted = yield* repo.findById(gone.campaign_id, { includeDeleted: true })
      assert.isTrue(Option.isSome(deleted) && deleted.value.deleted_at instanceof Date)
      assert.deepStrictEqual(
        (yield* repo.listByAdvertiser(advertiser, { page: 1, size: 10 })).map((c) => c.campaign_id),
        [kept.campaign_id],
      )
      assert.strictEqual(yield* repo.countByAdvertiser(advertiser), 1)
      const active = (yield* repo.listActive()).map((c) => c.campaign_id)
      assert.include(active, kept.campaign_id)
      assert.notInclude(active, gone.campaign_id)
    }),
  )

  it.effect("pages through an advertiser's campaigns in a stable order, each exactly once", () =>
    Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const advertiser = yield* withAdvertiser
      const other = yield* withAdvertiser
      yield* repo.insert(campaign(other))
      // Some inserted in one transaction, so they share a creation time and the id must decide.
      const sql = yield* SqlClient.SqlClient
      const together = yield* sql.withTransaction(
        Effect.forEach(
          Array.from({ length: 8 }, () => campaign(advertiser)),
          (c) => repo.insert(c),
        ),
      )
      const apart = yield* Effect.forEach(
        Array.from({ length: 15 }, () => campaign(advertiser)),
        (c) => repo.insert(c),
        {
          concurrency: 5,
        },
      )
      const inserted = [...together, ...apart]
      assert.strictEqual(new Set(together.map((c) => c.created_at.getTime())).size, 1)
      assert.strictEqual(yield* repo.countByAdvertiser(advertiser), 23)

      const pages: Array<ReadonlyArray<CampaignRow>> = []
      for (let page = 1; page <= 5; page++)
        pages.push(yield* repo.listByAdvertiser(advertiser, { page, size: 5 }))
      assert.deepStrictEqual(
        pages.map((p) => p.length),
        [5, 5, 5, 5, 3],
      )
      const listed = pages.flat().map((c) => c.campaign_id)
      assert.strictEqual(new Set(listed).size, 23)
      assert.sameMembers(
        listed,
        inserted.map((c) => c.campaign_id),
      )
      // Pages concatenate to the one full listing, which runs oldest first.
      const all = yield* repo.listByAdvertiser(advertiser, { page: 1, size: 100 })
      assert.deepStrictEqual(
        listed,
        all.map((c) => c.campaign_id),
      )
      for (let i = 1; i < all.length; i++) assert.isTrue(all[i - 1]!.created_at <= all[i]!.created_at)
      const sameTime = listed.filter((id) => together.some((c) => c.campaign_id === id))
      assert.deepStrictEqual(sameTime, [...sameTime].sort())
      assert.deepStrictEqual(listed.slice(0, 8), sameTime)
      // The same page twice is the same page.
      assert.deepStrictEqual(
        (yield* repo.listByAdvertiser(advertiser, { page: 2, size: 5 })).map((c) => c.campaign_id),
        pages[1]!.map((c) => c.campaign_id),
      )
      assert.deepStrictEqual(yield* repo.listByAdvertiser(advertiser, { page: 6, size: 5 }), [])
    }),
  )

  it.effect("lists every live campaign with all its fields for the serving index", () =>
    Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const advertiser = yield* withAdvertiser
      const a = yield* repo.insert(campaign(advertiser, { gender: "ALL", age_to: 60 }))
      const active = yield* repo.listActive()
      const found = active.find((c) => c.campaign_id === a.campaign_id)
      assert.deepStrictEqual(found && fields(found), fields(a))
      assert.isTrue(active.every((c) => c.deleted_at === null))
    }),
  )
})
