import {
  type AdvertiserId,
  Campaign,
  CampaignLifecycle,
  type CampaignId,
  type Day,
  Errors,
  Targeting,
} from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"

const day = (n: number) => n as Day
const dayArb = fc.integer({ min: 0, max: 50 }).map(day)

const create = (over: Partial<Campaign.CampaignCreate> = {}): Campaign.CampaignCreate => ({
  impressions_limit: 100,
  clicks_limit: 10,
  cost_per_impression: 0.5,
  cost_per_click: 2,
  ad_title: "Title",
  ad_text: "Text",
  start_date: day(5),
  end_date: day(10),
  targeting: Targeting.none,
  ...over,
})

const campaign = (over: Partial<Campaign.CampaignCreate> = {}): Campaign.Campaign =>
  Campaign.make(
    "0b0e0f5e-6a4e-4e8e-9a39-5f7c3c0c0c01" as CampaignId,
    "0b0e0f5e-6a4e-4e8e-9a39-5f7c3c0c0c02" as AdvertiserId,
    create(over),
  )

const decodeUpdate = Schema.decodeUnknownSync(Campaign.CampaignUpdate)

const leftOf = <A, E>(either: Either.Either<A, E>): E => {
  if (Either.isRight(either)) assert.fail(`expected a failure, got ${JSON.stringify(either.right)}`)
  return either.left
}

describe("CampaignLifecycle phases", () => {
  it("started, ended and active follow the inclusive dates", () => {
    const dates = { start_date: 5, end_date: 7 }
    const table: Array<[number, boolean, boolean, boolean]> = [
      [4, false, false, false],
      [5, true, false, true],
      [7, true, false, true],
      [8, true, true, false],
    ]
    for (const [d, started, ended, active] of table) {
      assert.strictEqual(CampaignLifecycle.isStarted(dates, d), started, `started on ${d}`)
      assert.strictEqual(CampaignLifecycle.isEnded(dates, d), ended, `ended on ${d}`)
      assert.strictEqual(CampaignLifecycle.isActive(dates, d), active, `active on ${d}`)
    }
  })

  it("active exactly when start_date <= day <= end_date", () => {
    fc.assert(
      fc.property(dayArb, dayArb, dayArb, (start_date, end_date, d) => {
        const c = { start_date, end_date }
        return (
          CampaignLifecycle.isActive(c, d) === (start_date <= d && d <= end_date) &&
          CampaignLifecycle.isStarted(c, d) === d >= start_date &&
          CampaignLifecycle.isEnded(c, d) === d > end_date
        )
      }),
    )
  })
})

describe("CampaignLifecycle.validateCreate", () => {
  it("accepts today as start and end", () => {
    const c = create({ start_date: day(3), end_date: day(3) })
    assert.deepStrictEqual(CampaignLifecycle.validateCreate(c, 3), Either.right(c))
  })

  it("names the field in the past, and the order violation", () => {
    const past = leftOf(CampaignLifecycle.validateCreate(create({ start_date: day(2) }), 3))
    assert.instanceOf(past, Errors.BadRequest)
    assert.strictEqual(past.error, Errors.Code.dateInPast)
    assert.strictEqual(past.field, "start_date")

    const endPast = leftOf(
      CampaignLifecycle.validateCreate(create({ start_date: day(3), end_date: day(2) }), 3),
    )
    assert.strictEqual(endPast.field, "end_date")

    const order = leftOf(
      CampaignLifecycle.validateCreate(create({ start_date: day(9), end_date: day(8) }), 3),
    )
    assert.strictEqual(order.error, Errors.Code.startAfterEnd)
    assert.strictEqual(order.field, "start_date")
  })

  it("accepts exactly the campaigns that start and end today or later, in order", () => {
    fc.assert(
      fc.property(dayArb, dayArb, dayArb, (start_date, end_date, d) => {
        const result = CampaignLifecycle.validateCreate(create({ start_date, end_date }), d)
        return Either.isRight(result) === (start_date >= d && end_date >= d && start_date <= end_date)
      }),
    )
  })
})

describe("CampaignLifecycle.applyUpdate", () => {
  it("before the start, everything may change", () => {
    const current = campaign()
    const update = decodeUpdate({
      impressions_limit: 5,
      clicks_limit: 1,
      cost_per_impression: 1,
      cost_per_click: 3,
      ad_title: "New",
      ad_text: "New text",
      start_date: 4,
      end_date: 20,
      targeting: { gender: "FEMALE", age_from: 20 },
    })
    const next = CampaignLifecycle.applyUpdate(current, update, 4)
    assert.deepStrictEqual(
      next,
      Either.right({
        campaign_id: current.campaign_id,
        advertiser_id: current.advertiser_id,
        impressions_limit: 5,
        clicks_limit: 1,
        cost_per_impression: 1,
        cost_per_click: 3,
        ad_title: "New",
        ad_text: "New text",
        start_date: day(4),
        end_date: day(20),
        targeting: { gender: "FEMALE", age_from: 20, age_to: null, location: null },
      }),
    )
  })

  it("PUT replaces: left-out targeting becomes no restriction, left-out settings are kept", () => {
    const current = campaign({ targeting: { gender: "MALE", age_from: 1, age_to: 2, location: "Minsk" } })
    const next = CampaignLifecycle.applyUpdate(current, decodeUpdate({ ad_title: "Only title" }), 0)
    assert.deepStrictEqual(
      next,
      Either.right({ ...current, ad_title: "Only title", targeting: Targeting.none }),
    )
    const nulls = CampaignLifecycle.applyUpdate(
      current,
      decodeUpdate({ impressions_limit: null, targeting: null }),
      0,
    )
    assert.deepStrictEqual(nulls, Either.right({ ...current, targeting: Targeting.none }))
  })

  it("after the start, each locked field that changes is a Conflict naming it", () => {
    const current = campaign()
    const changes = {
      impressions_limit: 101,
      clicks_limit: 11,
      start_date: 6,
      end_date: 11,
    } as const
    for (const field of CampaignLifecycle.lockedAfterStart) {
      const error = leftOf(
        CampaignLifecycle.applyUpdate(current, decodeUpdate({ [field]: changes[field] }), 5),
      )
      assert.instanceOf(error, Errors.Conflict)
      assert.strictEqual(error.error, Errors.Code.campaignStarted)
      assert.strictEqual(error.field, field)
      assert.include(error.message, field)
    }
  })

  it("after the start, resending the locked values and changing the rest is fine", () => {
    const current = campaign()
    const update = decodeUpdate({
      impressions_limit: 100,
      clicks_limit: 10,
      start_date: 5,
      end_date: 10,
      cost_per_impression: 0.75,
      cost_per_click: 0,
      ad_title: "T2",
      ad_text: "X2",
      targeting: { location: "Moscow" },
    })
    const next = CampaignLifecycle.applyUpdate(current, update, 8)
    assert.deepStrictEqual(
      next,
      Either.right({
        ...current,
        cost_per_impression: 0.75,
        cost_per_click: 0,
        ad_title: "T2",
        ad_text: "X2",
        targeting: { ...Targeting.none, location: "Moscow" },
      }),
    )
    // an ended campaign too: its dates lie in the past but do not change
    assert.isTrue(Either.isRight(CampaignLifecycle.applyUpdate(current, update, 30)))
  })

  it("before the start, a changed date may not be in the past nor out of order", () => {
    const current = campaign()
    const past = leftOf(CampaignLifecycle.applyUpdate(current, decodeUpdate({ start_date: 2 }), 3))
    assert.instanceOf(past, Errors.BadRequest)
    assert.strictEqual(past.field, "start_date")
    const order = leftOf(CampaignLifecycle.applyUpdate(current, decodeUpdate({ start_date: 11 }), 3))
    assert.strictEqual(order.error, Errors.Code.startAfterEnd)
  })

  const updateArb = fc.record(
    {
      impressions_limit: fc.integer({ min: 0, max: 200 }),
      clicks_limit: fc.integer({ min: 0, max: 20 }),
      cost_per_impression: fc.double({ min: 0, max: 10, noNaN: true }),
      ad_title: fc.string({ minLength: 1 }),
      start_date: dayArb,
      end_date: dayArb,
    },
    { requiredKeys: [] },
  )

  it("property: a result either keeps every locked field after the start, or is refused naming one", () => {
    fc.assert(
      fc.property(dayArb, dayArb, updateArb, dayArb, (start_date, length, raw, d) => {
        const current = campaign({ start_date, end_date: day(start_date + length) })
        const result = CampaignLifecycle.applyUpdate(current, decodeUpdate(raw), d)
        const started = d >= start_date
        const changesLocked = CampaignLifecycle.lockedAfterStart.some(
          (f) => raw[f] !== undefined && raw[f] !== current[f],
        )
        if (started && changesLocked) {
          return Either.isLeft(result) && result.left._tag === "Conflict"
        }
        if (Either.isLeft(result)) {
          return result.left._tag === "BadRequest" && result.left.field !== undefined
        }
        const next = result.right
        return (
          next.start_date <= next.end_date &&
          (!started || CampaignLifecycle.lockedAfterStart.every((f) => next[f] === current[f])) &&
          next.campaign_id === current.campaign_id &&
          next.ad_title === (raw.ad_title ?? current.ad_title)
        )
      }),
    )
  })
})
