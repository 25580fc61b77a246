import type { CampaignView } from "@adflow/counters"
import type { AdvertiserId, CampaignId, Day } from "@adflow/domain"
import { Engine, Money, Targeting } from "@adflow/domain"
import type { CampaignRow } from "@adflow/store"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { toCampaign } from "../src/CampaignRows.js"
import type { ServingCampaign } from "../src/CampaignIndex.js"
import { ImpressionFloors } from "../src/ImpressionFloors.js"
import * as Ranking from "../src/Ranking.js"

const DAY = 5

const serving = (
  id: number,
  advertiser: number,
  limit: number,
  cpiCents: number,
  cpcCents: number,
  dates: readonly [number, number],
  targeting: Targeting.Targeting = Targeting.none,
  slot: number = id,
): ServingCampaign => {
  const row: CampaignRow = {
    campaign_id: `00000000-0000-4000-8000-${String(id).padStart(12, "0")}` as CampaignId,
    advertiser_id: `00000000-0000-4000-9000-${String(advertiser).padStart(12, "0")}` as AdvertiserId,
    impressions_limit: limit,
    clicks_limit: 0,
    cost_per_impression_micros: Money.fromPrice(Money.Price.make(cpiCents / 100)),
    cost_per_click_micros: Money.fromPrice(Money.Price.make(cpcCents / 100)),
    ad_title: "t",
    ad_text: "x",
    start_date: dates[0] as Day,
    end_date: dates[1] as Day,
    ...targeting,
    created_at: new Date(0),
    updated_at: new Date(0),
    deleted_at: null,
  }
  return { ...toCampaign(row), row, slot }
}

/** This instance's floors, from a map by campaign id. */
const floorsOf = (campaigns: ReadonlyArray<ServingCampaign>, byId: ReadonlyMap<CampaignId, number>) => {
  const floors = new ImpressionFloors()
  for (const campaign of campaigns) floors.raise(campaign.slot, byId.get(campaign.campaign_id) ?? 0)
  return floors
}

/** Scores as `Counters.readForServing` answers them: advertiser id, score as stored, ... */
const flatScores = (scores: ReadonlyMap<string, number>) =>
  [...scores].flatMap(([id, score]) => [id, String(score)])

/** Counters as `Counters.readForServing` answers them: four numbers per campaign. */
const flatCounters = (views: ReadonlyArray<CampaignView>) =>
  views.flatMap((v) => [v.impressions, v.clicks, v.seen ? 1 : 0, v.clicked ? 1 : 0])

const client = { gender: "MALE", age: 30, location: "Moscow" } as const

/** A market of one request: campaigns, their true counters, the client's scores, and this instance's floors. */
const market = fc
  .uniqueArray(
    fc.record({
      id: fc.integer({ min: 0, max: 1_000_000 }),
      advertiser: fc.integer({ min: 0, max: 5 }),
      limit: fc.integer({ min: 1, max: 20 }),
      impressions: fc.integer({ min: 0, max: 22 }),
      stale: fc.integer({ min: 0, max: 22 }),
      seen: fc.boolean(),
      clicked: fc.boolean(),
      cpi: fc.integer({ min: 0, max: 500 }),
      cpc: fc.integer({ min: 0, max: 4000 }),
      start: fc.integer({ min: 1, max: DAY }),
      end: fc.integer({ min: DAY, max: DAY + 5 }),
    }),
    { selector: (c) => c.id, maxLength: 40 },
  )
  .chain((campaigns) =>
    fc.record({
      campaigns: fc.constant(campaigns),
      scores: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 6, maxLength: 6 }),
      window: fc.integer({ min: 1, max: 10 }),
      repeats: fc.constantFrom<"serve" | "never">("serve", "never"),
      // Every campaign's clicks limit is 0: without click value over it, none earns click value.
      clickValueOverClickLimit: fc.boolean(),
      rates: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
    }),
  )
  .map(({ campaigns, scores, window, repeats, clickValueOverClickLimit, rates }) => {
    const serv = campaigns.map((c, i) =>
      serving(c.id, c.advertiser, c.limit, c.cpi, c.cpc, [c.start, c.end], Targeting.none, i),
    )
    const truth = new Map<CampaignId, CampaignView>(
      campaigns.map((c, i) => [
        serv[i]!.campaign_id,
        { impressions: c.impressions, clicks: 0, seen: c.seen, clicked: c.seen && c.clicked },
      ]),
    )
    // A floor is what this instance read earlier: never above the live count.
    const floor = new Map<CampaignId, number>(
      campaigns.map((c, i) => [serv[i]!.campaign_id, Math.min(c.stale, c.impressions)]),
    )
    const scoreOf = new Map(serv.map((c, i) => [c.advertiser_id, scores[campaigns[i]!.advertiser]!]))
    // Some click-rate table, rising or not: the argument must not depend on its shape.
    const clickRate = Engine.ClickRate.estimate(
      rates
        .map((rate) => ({ impressions: 1000, clicks: Math.round(rate * 1000) }))
        .flatMap((count, i) => Array.from({ length: i === 0 ? 30 : 20 }, () => count)),
    )
    const context: Engine.Ranking.Context = {
      day: DAY,
      client,
      clickRate,
      relevanceUnit: 1,
      policy: { ...Engine.Ranking.defaultPolicy, repeats, clickValueOverClickLimit },
    }
    return { serv, truth, floor, scoreOf, window, context }
  })

const targeting: fc.Arbitrary<Targeting.Targeting> = fc
  .record({
    gender: fc.constantFrom<Targeting.Targeting["gender"]>(null, "ALL", "MALE", "FEMALE"),
    ages: fc.constantFrom<readonly [number | null, number | null]>(
      [null, null],
      [18, null],
      [null, 30],
      [25, 35],
      [31, 40],
    ),
    location: fc.constantFrom(null, "Moscow", "Kazan"),
  })
  .map(({ gender, ages, location }) => ({ gender, age_from: ages[0], age_to: ages[1], location }))

/**
 * A whole market, not only one request's candidates: campaigns of every date range and
 * targeting, the client any of several; the request sees what the campaign index answers.
 */
const wideMarket = fc
  .tuple(
    market,
    fc.array(
      fc.tuple(fc.integer({ min: DAY - 3, max: DAY + 2 }), fc.integer({ min: 0, max: 4 }), targeting),
      {
        minLength: 40,
        maxLength: 40,
      },
    ),
    fc.record({
      gender: fc.constantFrom("MALE" as const, "FEMALE" as const),
      age: fc.integer({ min: 18, max: 45 }),
      location: fc.constantFrom("Moscow", "Kazan", "Omsk"),
    }),
  )
  .map(([m, shapes, client]) => {
    const serv = m.serv.map((c, i) => {
      const [start, length, target] = shapes[i]!
      return serving(
        i,
        Number(c.advertiser_id.slice(-12)),
        c.impressions_limit,
        Math.round(c.cost_per_impression * 100),
        Math.round(c.cost_per_click * 100),
        [start, start + length],
        target,
      )
    })
    // The same counters, floors and scores under the new ids.
    const rekey = <V>(map: ReadonlyMap<CampaignId, V>) =>
      new Map(m.serv.map((c, i) => [serv[i]!.campaign_id, map.get(c.campaign_id)!] as const))
    return { ...m, serv, truth: rekey(m.truth), floor: rekey(m.floor), context: { ...m.context, client } }
  })

/**
 * Buffers shared by every search of these tests, as by the API's requests: each search gets
 * buffers another one (of another size, in another state) used before.
 */
const pool = new Ranking.SearchPool()

/**
 * The request's loop without I/O: the scores with a first window, then windows from `truth`
 * until the search's best was read; with `refuseAll`, every admission is refused (at its limit),
 * and the admitted order is answered. With `staleFloors`, the optimistic counts come from no
 * floors at all, as from an `Opening` computed before any of `floor` was read.
 */
const chooseInWindows = (
  m: {
    serv: ReadonlyArray<ServingCampaign>
    truth: ReadonlyMap<CampaignId, CampaignView>
    floor: ReadonlyMap<CampaignId, number>
    scoreOf: ReadonlyMap<string, number>
    window: number
    context: Engine.Ranking.Context
  },
  refuseAll = false,
  staleFloors = false,
) => {
  const valuation = new Engine.Ranking.Valuation(m.context)
  const set = Ranking.candidateSet(m.serv)
  const optimisticCounts = Ranking.optimisticCounts(set, floorsOf(m.serv, staleFloors ? new Map() : m.floor))
  const positions = Ranking.firstWindow(set, optimisticCounts, valuation, m.window)
  const first = positions.map((i) => m.serv[i]!)
  assert.isAtMost(first.length, m.window)
  const read = new Map(first.map((c) => [c.campaign_id, m.truth.get(c.campaign_id)!] as const))
  let reads = 1
  const admitted: Array<Ranking.Candidate> = []
  const search = new Ranking.Search(
    set,
    optimisticCounts,
    flatScores(m.scoreOf),
    { positions, counters: flatCounters(first.map((c) => m.truth.get(c.campaign_id)!)) },
    valuation,
    pool,
  )
  for (;;) {
    const step = search.next(m.window)
    if (step._tag === "None") {
      search.release()
      return { chosen: admitted[0], reads, admitted }
    }
    if (step._tag === "Admit") {
      admitted.push(step.candidate)
      if (refuseAll) continue
      search.release()
      return { chosen: step.candidate, reads, admitted }
    }
    assert.isAtMost(step.campaigns.length, m.window)
    const views: Array<CampaignView> = []
    for (const campaign of step.campaigns) {
      assert.isFalse(read.has(campaign.campaign_id), "a campaign is read at most once")
      read.set(campaign.campaign_id, m.truth.get(campaign.campaign_id)!)
      views.push(m.truth.get(campaign.campaign_id)!)
    }
    reads++
    search.read(flatCounters(views))
  }
}

describe("windowed counter reads around the engine", () => {
  it("a seen campaign at its limit stays servable as a repeat; an unseen one does not", () => {
    const campaign = serving(1, 1, 3, 100, 0, [1, 9])
    const context: Engine.Ranking.Context = {
      day: DAY,
      client,
      clickRate: Engine.ClickRate.uninformed,
      relevanceUnit: 1,
    }
    const rankWith = (seen: boolean) =>
      Engine.Ranking.best(
        Ranking.candidates(
          [campaign],
          new Map(),
          new Map([[campaign.campaign_id, { impressions: 3, clicks: 0, seen, clicked: false }]]),
          new ImpressionFloors(),
        ),
        context,
      )
    assert.strictEqual(rankWith(true)?.campaign, campaign)
    assert.isUndefined(rankWith(false))
  })

  it("choose what the engine chooses with every counter read: same value, same seen/unseen", () =>
    fc.assert(
      fc.property(market, (m) => {
        const full = Ranking.candidates(m.serv, m.scoreOf, m.truth, new ImpressionFloors())
        const maxScore = Math.max(0, ...full.map((c) => c.score))
        const best = Engine.Ranking.rank(full, m.context).next()
        const { chosen, reads } = chooseInWindows(m)
        assert.isAtMost(reads, 1 + Math.ceil(m.serv.length / m.window))
        if (best === undefined) return assert.isUndefined(chosen)
        assert.isDefined(chosen)
        assert.isTrue(chosen!.read)
        assert.deepStrictEqual(
          chosen!.counters,
          Ranking.repeatable(chosen!.campaign, m.truth.get(chosen!.campaign.campaign_id)!),
        )
        assert.strictEqual(chosen!.counters.seen, best.counters.seen)
        assert.closeTo(
          Engine.Ranking.value(chosen!, m.context, maxScore),
          Engine.Ranking.value(best, m.context, maxScore),
          1e-9,
        )
      }),
      { numRuns: 300 },
    ))

  it("optimistic counts from older, lower floors (a reused Opening) still choose the engine's best", () =>
    fc.assert(
      fc.property(market, (m) => {
        const full = Ranking.candidates(m.serv, m.scoreOf, m.truth, new ImpressionFloors())
        const maxScore = Math.max(0, ...full.map((c) => c.score))
        const best = Engine.Ranking.rank(full, m.context).next()
        const { chosen } = chooseInWindows(m, false, true)
        if (best === undefined) return assert.isUndefined(chosen)
        assert.isDefined(chosen)
        assert.isTrue(chosen!.read)
        assert.strictEqual(chosen!.counters.seen, best.counters.seen)
        assert.closeTo(
          Engine.Ranking.value(chosen!, m.context, maxScore),
          Engine.Ranking.value(best, m.context, maxScore),
          1e-9,
        )
        const { admitted } = chooseInWindows(m, true, true)
        assert.deepStrictEqual(
          admitted.map((c) => c.campaign.campaign_id),
          Array.from(Engine.Ranking.rank(full, m.context), (c) => c.campaign.campaign_id),
        )
      }),
      { numRuns: 300 },
    ))

  it("an opening is reused until it is due, whatever the valuation, then computed from the floors of then", () => {
    const campaigns = [serving(1, 1, 10, 100, 0, [1, 9]), serving(2, 1, 10, 300, 0, [1, 9])]
    const context: Engine.Ranking.Context = {
      day: DAY,
      client,
      clickRate: Engine.ClickRate.uninformed,
      relevanceUnit: 1,
    }
    const set = Ranking.candidateSet(campaigns)
    const floors = new ImpressionFloors()
    const valuation = new Engine.Ranking.Valuation(context)
    const openings = new Ranking.Openings()
    const opening = openings.of(set, floors, valuation)
    assert.deepStrictEqual(opening.positions, [1, 0])
    floors.raise(campaigns[1]!.slot, 4)
    assert.strictEqual(openings.of(set, floors, valuation), opening)
    assert.strictEqual(openings.of(set, floors, new Engine.Ranking.Valuation(context)), opening)
    const due = new Ranking.Openings(0).of(set, floors, valuation)
    assert.notStrictEqual(due, opening)
    assert.deepStrictEqual(Array.from(due.optimisticCounts), [0, 4])
  })

  it("a released search gives its buffers back and refuses to be used again", () => {
    const campaigns = [serving(1, 1, 10, 100, 0, [1, 9])]
    const context: Engine.Ranking.Context = {
      day: DAY,
      client,
      clickRate: Engine.ClickRate.uninformed,
      relevanceUnit: 1,
    }
    const valuation = new Engine.Ranking.Valuation(context)
    const set = Ranking.candidateSet(campaigns)
    const counts = Ranking.optimisticCounts(set, new ImpressionFloors())
    const own = new Ranking.SearchPool()
    const search = new Ranking.Search(set, counts, [], { positions: [], counters: [] }, valuation, own)
    search.release()
    search.release()
    assert.throws(() => search.next())
    const buffers = own.acquire(1)
    assert.strictEqual(own.acquire(1) === buffers, false, "released once, handed out once")
  })

  it("an unread candidate is ranked optimistically: unseen, not clicked, at its floor", () => {
    const campaign = serving(1, 1, 10, 100, 0, [1, 9])
    const [unread] = Ranking.candidates(
      [campaign],
      new Map([[campaign.advertiser_id, 7]]),
      new Map(),
      floorsOf([campaign], new Map([[campaign.campaign_id, 4]])),
    )
    assert.deepStrictEqual(unread!.counters, { impressions: 4, clicks: 0, seen: false, clicked: false })
    assert.strictEqual(unread!.score, 7)
    assert.isFalse(unread!.read)
  })

  it("refused admissions walk the engine's whole order, each candidate read before it is offered", () =>
    fc.assert(
      fc.property(market, (m) => {
        const full = Ranking.candidates(m.serv, m.scoreOf, m.truth, new ImpressionFloors())
        const order = Array.from(Engine.Ranking.rank(full, m.context))
        const { admitted } = chooseInWindows(m, true)
        assert.deepStrictEqual(
          admitted.map((c) => c.campaign.campaign_id),
          order.map((c) => c.campaign.campaign_id),
        )
        for (const candidate of admitted) assert.isTrue(candidate.read)
      }),
      { numRuns: 300 },
    ))

  it("over a whole market, the index's candidates walked by the search are the engine's order over every campaign", () =>
    fc.assert(
      fc.property(wideMarket, (m) => {
        const index = Engine.CampaignIndex.build(m.serv, DAY)
        const offered = Engine.CampaignIndex.candidates(index, m.context.client) as ReadonlyArray<unknown>
        const fromIndex = offered as ReadonlyArray<ServingCampaign>
        // The engine sees every campaign, the index's first (their order breaks ties of value).
        const rest = m.serv.filter((c) => !fromIndex.includes(c))
        const everything = Ranking.candidates(
          [...fromIndex, ...rest],
          m.scoreOf,
          m.truth,
          new ImpressionFloors(),
        )
        const order = Array.from(Engine.Ranking.rank(everything, m.context))
        const { admitted } = chooseInWindows({ ...m, serv: fromIndex }, true)
        assert.deepStrictEqual(
          admitted.map((c) => c.campaign.campaign_id),
          order.map((c) => c.campaign.campaign_id),
        )
      }),
      { numRuns: 300 },
    ))

  it("a candidate set names each advertiser once and where each campaign's is", () => {
    const set = Ranking.candidateSet([
      serving(1, 7, 10, 100, 0, [1, 9]),
      serving(2, 3, 10, 100, 0, [1, 9]),
      serving(3, 7, 10, 100, 0, [1, 9]),
    ])
    assert.deepStrictEqual(set.advertiserIds, [
      set.campaigns[0]!.advertiser_id,
      set.campaigns[1]!.advertiser_id,
    ])
    assert.deepStrictEqual(Array.from(set.advertiserOf), [0, 1, 0])
  })

  it("floors only rise, by slot, and are 0 where nothing was read", () => {
    const floors = new ImpressionFloors()
    floors.raise(5000, 3)
    floors.raise(5000, 2)
    assert.strictEqual(floors.get(5000), 3)
    assert.strictEqual(floors.get(4999), 0)
    assert.strictEqual(floors.get(1_000_000), 0)
  })

  it("reads the scores with the most promising campaigns, then the engine's best unread ones, a window at a time", () => {
    const cheap = serving(1, 1, 10, 100, 0, [1, 9])
    const dear = serving(2, 1, 10, 300, 0, [1, 9])
    const middle = serving(3, 1, 10, 200, 0, [1, 9])
    const context: Engine.Ranking.Context = {
      day: DAY,
      client,
      clickRate: Engine.ClickRate.uninformed,
      relevanceUnit: 1,
    }
    const campaigns = [cheap, dear, middle]
    const valuation = new Engine.Ranking.Valuation(context)
    const set = Ranking.candidateSet(campaigns)
    const optimisticCounts = Ranking.optimisticCounts(set, new ImpressionFloors())
    assert.deepStrictEqual(Ranking.firstWindow(set, optimisticCounts, valuation, 2), [1, 2])
    const search = new Ranking.Search(set, optimisticCounts, [], { positions: [], counters: [] }, valuation)
    assert.deepStrictEqual(search.next(2), { _tag: "Read", campaigns: [dear, middle] })
    const unseen = { impressions: 0, clicks: 0, seen: false, clicked: false }
    search.read(flatCounters([{ ...unseen, seen: true }, unseen]))
    // The middle one, read and unseen, beats every unread bound: admit it.
    const admit = search.next(2)
    assert.strictEqual(admit._tag === "Admit" && admit.candidate.campaign, middle)
    // Refused: the cheap one is the best bound left (the seen dear one comes after every unseen).
    assert.deepStrictEqual(search.next(2), { _tag: "Read", campaigns: [cheap] })
    search.read(flatCounters([unseen]))
    const next = search.next(2)
    assert.strictEqual(next._tag === "Admit" && next.candidate.campaign, cheap)
    const last = search.next(2)
    assert.strictEqual(last._tag === "Admit" && last.candidate.campaign, dear)
    assert.deepStrictEqual(search.next(2), { _tag: "None" })
  })
})
