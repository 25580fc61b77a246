import { type Campaign, CampaignLifecycle, Engine, Targeting } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { byId, campaignArb, campaignIdOf, campaignsArb, clientArb, dayArb, type Who } from "./arbitraries.js"

const { CampaignIndex } = Engine

/** What the index must answer: a scan of every campaign. */
const bruteForce = (campaigns: Iterable<Campaign.Campaign>, client: Who, day: number) =>
  byId(
    [...campaigns].filter(
      (c) => CampaignLifecycle.isActive(c, day) && Targeting.matches(c.targeting, client),
    ),
  )

const answer = (index: Engine.CampaignIndex.CampaignIndex, client: Who) =>
  CampaignIndex.candidates(index, client).map((c) => c.campaign_id)

describe("CampaignIndex.candidates", () => {
  it("is exactly the active campaigns whose targeting matches, without duplicates", () => {
    fc.assert(
      fc.property(campaignsArb(40), clientArb, dayArb, (campaigns, client, day) => {
        const found = answer(CampaignIndex.build(campaigns, day), client)
        assert.strictEqual(new Set(found).size, found.length, "no campaign twice")
        assert.deepStrictEqual([...found].sort(), bruteForce(campaigns, client, day))
      }),
      { numRuns: 500 },
    )
  })

  it("stays exact through any sequence of upserts, removals and day changes", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("upsert" as const),
        campaign: fc.integer({ min: 0, max: 15 }).chain(campaignArb),
      }),
      fc.record({ kind: fc.constant("remove" as const), id: fc.integer({ min: 0, max: 15 }) }),
      fc.record({ kind: fc.constant("day" as const), day: dayArb }),
    )
    fc.assert(
      fc.property(
        campaignsArb(15),
        dayArb,
        fc.array(op, { maxLength: 30 }),
        fc.array(clientArb, { minLength: 1, maxLength: 5 }),
        (initial, day0, ops, clients) => {
          let index = CampaignIndex.build(initial, day0)
          const truth = new Map(initial.map((c) => [c.campaign_id, c]))
          let day = day0
          for (const o of ops) {
            if (o.kind === "upsert") {
              index = CampaignIndex.upsert(index, o.campaign)
              truth.set(o.campaign.campaign_id, o.campaign)
            } else if (o.kind === "remove") {
              index = CampaignIndex.remove(index, campaignIdOf(o.id))
              truth.delete(campaignIdOf(o.id))
            } else {
              index = CampaignIndex.atDay(index, o.day)
              day = o.day
            }
            for (const client of clients)
              assert.deepStrictEqual(
                [...answer(index, client)].sort(),
                bruteForce(truth.values(), client, day),
              )
          }
          const active = [...truth.values()].filter((c) => CampaignLifecycle.isActive(c, day))
          assert.strictEqual(index.activeCount, active.length)
          assert.deepStrictEqual(byId(CampaignIndex.active(index)), byId(active))
        },
      ),
      { numRuns: 200 },
    )
  })

  it("updates are persistent: the index before an upsert or removal answers as before", () => {
    fc.assert(
      fc.property(campaignsArb(15), campaignArb(3), clientArb, dayArb, (campaigns, changed, client, day) => {
        const before = CampaignIndex.build(campaigns, day)
        const expected = answer(before, client)
        CampaignIndex.upsert(before, changed)
        CampaignIndex.remove(before, campaignIdOf(0))
        assert.deepStrictEqual(answer(before, client), expected)
      }),
    )
  })

  it("a later campaign with the same id replaces the earlier one", () => {
    fc.assert(
      fc.property(campaignArb(1), campaignArb(1), clientArb, dayArb, (first, second, client, day) => {
        const found = answer(CampaignIndex.build([first, second], day), client)
        assert.deepStrictEqual(found, bruteForce([second], client, day))
      }),
    )
  })

  it("ages are inclusive, a restriction on one side only is honoured, and age_from > age_to never matches", () => {
    const base = fc.sample(campaignArb(0), 1)[0]!
    const at = (id: number, age_from: number | null, age_to: number | null): Campaign.Campaign => ({
      ...base,
      campaign_id: campaignIdOf(id),
      start_date: 0 as Campaign.Campaign["start_date"],
      end_date: 0 as Campaign.Campaign["end_date"],
      targeting: { ...Targeting.none, age_from, age_to },
    })
    const index = CampaignIndex.build([at(1, 18, 25), at(2, 30, null), at(3, null, 17), at(4, 40, 20)], 0)
    const ids = (age: number) =>
      answer(index, { gender: "MALE", age, location: "Minsk" })
        .map((id) => Number.parseInt(id.slice(-2), 16))
        .sort()
    assert.deepStrictEqual(ids(17), [3])
    assert.deepStrictEqual(ids(18), [1])
    assert.deepStrictEqual(ids(25), [1])
    assert.deepStrictEqual(ids(26), [])
    assert.deepStrictEqual(ids(30), [2])
    assert.deepStrictEqual(ids(99), [2])
  })

  it("removing an unknown campaign and moving to the same day return the same index", () => {
    const index = CampaignIndex.build([], 3)
    assert.strictEqual(CampaignIndex.remove(index, campaignIdOf(9)), index)
    assert.strictEqual(CampaignIndex.atDay(index, 3), index)
    assert.deepStrictEqual(
      CampaignIndex.candidates(CampaignIndex.empty(0), { gender: "MALE", age: 1, location: "X" }),
      [],
    )
  })
})

describe("CampaignIndex.meanPrices", () => {
  it("is the mean of the active campaigns' prices, kept through updates, and 0 when none is active", () => {
    fc.assert(
      fc.property(campaignsArb(10), campaignsArb(10), dayArb, (first, second, day) => {
        let index = CampaignIndex.build(first, day)
        for (const c of second) index = CampaignIndex.upsert(index, c)
        const truth = new Map([...first, ...second].map((c) => [c.campaign_id, c]))
        const active = [...truth.values()].filter((c) => CampaignLifecycle.isActive(c, day))
        const mean = CampaignIndex.meanPrices(index)
        const expected = (f: (c: Campaign.Campaign) => number) =>
          active.length === 0 ? 0 : active.reduce((s, c) => s + f(c), 0) / active.length
        assert.approximately(
          mean.costPerImpression,
          expected((c) => c.cost_per_impression),
          1e-6,
        )
        assert.approximately(
          mean.costPerClick,
          expected((c) => c.cost_per_click),
          1e-6,
        )
      }),
    )
  })
})
