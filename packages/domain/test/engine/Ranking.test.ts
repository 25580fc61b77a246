import { type Campaign, CampaignLifecycle, Engine, Targeting } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { campaignArb, campaignsArb, clientArb, dayArb, type Who } from "./arbitraries.js"

const { CampaignIndex, ClickRate, Ranking } = Engine

type Candidate = Engine.Ranking.Candidate & { readonly campaign: Campaign.Campaign; readonly id: number }

const learned = ClickRate.estimate(
  Array.from({ length: ClickRate.BUCKET_COUNT }, (_, b) => ({ impressions: 10_000, clicks: b * 100 })),
)

const countersArb = (campaign: Campaign.Campaign) =>
  fc
    .record({
      impressions: fc.integer({ min: 0, max: campaign.impressions_limit + 3 }),
      clicks: fc.integer({ min: 0, max: campaign.clicks_limit + 3 }),
      seen: fc.boolean(),
      clicked: fc.boolean(),
    })
    .map((c) => ({ ...c, seen: c.seen || c.clicked }))

const candidateArb = (id: number): fc.Arbitrary<Candidate> =>
  campaignArb(id).chain((campaign) =>
    fc.record({
      campaign: fc.constant(campaign),
      counters: countersArb(campaign),
      score: fc.integer({ min: 0, max: 1_000 }),
      id: fc.constant(id),
    }),
  )

const candidatesArb = fc
  .integer({ min: 0, max: 30 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => candidateArb(i))))

const contextArb: fc.Arbitrary<Engine.Ranking.Context> = fc.record({
  day: dayArb,
  client: clientArb,
  clickRate: fc.constantFrom(learned, ClickRate.uninformed),
  relevanceUnit: fc.double({ min: 0, max: 50, noNaN: true }),
})

const eligibleByBruteForce = (candidates: ReadonlyArray<Candidate>, context: Engine.Ranking.Context) =>
  candidates.filter(
    (c) =>
      CampaignLifecycle.isActive(c.campaign, context.day) &&
      Targeting.matches(c.campaign.targeting, context.client) &&
      c.counters.impressions < c.campaign.impressions_limit,
  )

const order = (candidates: ReadonlyArray<Candidate>, context: Engine.Ranking.Context) =>
  Array.from(Ranking.rank(candidates, context))

const positionOf = (ranked: ReadonlyArray<Candidate>, id: number) => ranked.findIndex((c) => c.id === id)

describe("Ranking.rank", () => {
  it("returns exactly the eligible candidates: targeting matches, dates hold, under the limit", () => {
    fc.assert(
      fc.property(candidatesArb, contextArb, (candidates, context) => {
        const ranked = order(candidates, context)
        for (const c of ranked) {
          assert.isTrue(Targeting.matches(c.campaign.targeting, context.client), "targeting")
          assert.isTrue(CampaignLifecycle.isActive(c.campaign, context.day), "dates")
          assert.isBelow(c.counters.impressions, c.campaign.impressions_limit, "limit")
        }
        const expected = eligibleByBruteForce(candidates, context).map((c) => c.id)
        assert.deepStrictEqual(
          ranked.map((c) => c.id).sort((a, b) => a - b),
          expected,
        )
      }),
      { numRuns: 500 },
    )
  })

  it("puts unseen before seen, and orders each group by value, then input order", () => {
    fc.assert(
      fc.property(candidatesArb, contextArb, (candidates, context) => {
        const maxScore = Math.max(0, ...candidates.map((c) => c.score))
        const ranked = order(candidates, context)
        for (let i = 1; i < ranked.length; i++) {
          const [a, b] = [ranked[i - 1]!, ranked[i]!]
          if (a.counters.seen !== b.counters.seen) {
            assert.isFalse(a.counters.seen, "unseen first")
            continue
          }
          const [va, vb] = [Ranking.value(a, context, maxScore), Ranking.value(b, context, maxScore)]
          assert.isTrue(va > vb || (va === vb && a.id < b.id), `${va} before ${vb}`)
        }
      }),
      { numRuns: 500 },
    )
  })

  it("raising a candidate's impression or click price never lowers its rank", () => {
    fc.assert(
      fc.property(
        candidatesArb.filter((cs) => cs.length > 0),
        contextArb,
        fc.nat(),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.boolean(),
        (candidates, context, pick, raise, onClick) => {
          const target = candidates[pick % candidates.length]!
          const before = positionOf(order(candidates, context), target.id)
          const raised: Candidate = {
            ...target,
            campaign: onClick
              ? { ...target.campaign, cost_per_click: target.campaign.cost_per_click + raise }
              : { ...target.campaign, cost_per_impression: target.campaign.cost_per_impression + raise },
          }
          const after = positionOf(
            order(
              candidates.map((c) => (c === target ? raised : c)),
              context,
            ),
            target.id,
          )
          assert.strictEqual(after === -1, before === -1, "eligibility does not depend on price")
          assert.isAtMost(after, before)
        },
      ),
      { numRuns: 500 },
    )
  })

  it("with repeats: never, a seen campaign is not returned", () => {
    fc.assert(
      fc.property(candidatesArb, contextArb, (candidates, context) => {
        const ranked = order(candidates, {
          ...context,
          policy: { ...Ranking.defaultPolicy, repeats: "never" },
        })
        assert.isTrue(ranked.every((c) => !c.counters.seen))
        const served = order(candidates, context).filter((c) => !c.counters.seen)
        assert.deepStrictEqual(ranked, served)
      }),
    )
  })

  it("best is the head of the ranking; nothing eligible gives undefined", () => {
    fc.assert(
      fc.property(candidatesArb, contextArb, (candidates, context) => {
        const ranked = Ranking.rank(candidates, context)
        const size = ranked.remaining
        assert.strictEqual(Ranking.best(candidates, context), ranked.next())
        assert.strictEqual(ranked.remaining, Math.max(0, size - 1))
      }),
    )
    const context = fc.sample(contextArb, 1)[0]!
    assert.strictEqual(Ranking.best([], context), undefined)
    assert.strictEqual(Ranking.rank([], context).next(), undefined)
  })
})

describe("Ranking.value", () => {
  const base = fc.sample(campaignArb(0), 1)[0]!
  const campaign: Campaign.Campaign = {
    ...base,
    impressions_limit: 100,
    clicks_limit: 10,
    cost_per_impression: 2,
    cost_per_click: 10,
    start_date: 1 as Campaign.Campaign["start_date"],
    end_date: 10 as Campaign.Campaign["end_date"],
    targeting: Targeting.none,
  }
  const who: Who = { gender: "MALE", age: 30, location: "Minsk" }
  const context: Engine.Ranking.Context = { day: 5, client: who, clickRate: learned, relevanceUnit: 0 }
  const onPace = { impressions: 50, clicks: 0, seen: false, clicked: false }
  const p = (score: number) => ClickRate.probability(learned, score)

  it("a new impression is worth its price plus the expected click, times the pacing factor (1 on schedule)", () => {
    const v = Ranking.value({ campaign, counters: onPace, score: 300 }, context, 300)
    assert.approximately(v, 2 + 10 * p(300), 1e-9)
  })

  it("a repeat earns no impression price; a clicked one no click value; one at its clicks limit only if the policy says so", () => {
    const score = 300
    assert.approximately(
      Ranking.value({ campaign, counters: { ...onPace, seen: true }, score }, context, score),
      10 * p(score),
      1e-9,
    )
    assert.strictEqual(
      Ranking.value({ campaign, counters: { ...onPace, seen: true, clicked: true }, score }, context, score),
      0,
    )
    const stopAtClickLimit = {
      ...context,
      policy: { ...Ranking.defaultPolicy, clickValueOverClickLimit: false },
    }
    assert.approximately(
      Ranking.value({ campaign, counters: { ...onPace, clicks: 10 }, score }, stopAtClickLimit, score),
      2,
      1e-9,
    )
    assert.approximately(
      Ranking.value({ campaign, counters: { ...onPace, clicks: 10 }, score }, context, score),
      2 + 10 * p(score),
      1e-9,
    )
  })

  it("the relevance term adds weight · unit · score / maxScore", () => {
    const withRelevance = { ...context, relevanceUnit: 4 }
    const v = Ranking.value({ campaign, counters: { ...onPace, seen: true }, score: 50 }, withRelevance, 200)
    assert.approximately(v, 10 * p(50) + Ranking.defaultPolicy.relevanceWeight * 4 * 0.25, 1e-9)
  })

  it("other things equal, the more relevant and the campaign behind schedule come first", () => {
    const withRelevance = { ...context, relevanceUnit: 4 }
    const a = { campaign, counters: onPace, score: 10, id: 0 }
    const b = { campaign, counters: onPace, score: 900, id: 1 }
    assert.deepStrictEqual(
      order([a, b] as Array<Candidate>, withRelevance).map((c) => c.id),
      [1, 0],
    )
    const behind = { ...a, counters: { ...onPace, impressions: 5 } }
    assert.deepStrictEqual(
      order([a, behind] as Array<Candidate>, context).map((c) => c.counters.impressions),
      [5, 50],
    )
  })
})

describe("index + ranking", () => {
  it("never serves a mismatched, inactive or full campaign, whatever the counters", () => {
    fc.assert(
      fc.property(campaignsArb(30), clientArb, dayArb, fc.nat(), (campaigns, client, day, seed) => {
        const index = CampaignIndex.build(campaigns, day)
        const candidates = CampaignIndex.candidates(index, client).map((campaign, i) => ({
          campaign,
          counters: {
            impressions: (seed + i) % (campaign.impressions_limit + 2),
            clicks: 0,
            seen: i % 3 === 0,
            clicked: false,
          },
          score: (seed * (i + 1)) % 1_000,
        }))
        const context = {
          day,
          client,
          clickRate: learned,
          relevanceUnit: Ranking.relevanceUnit(CampaignIndex.meanPrices(index), learned),
        }
        for (const c of Ranking.rank(candidates, context)) {
          assert.isTrue(Targeting.matches(c.campaign.targeting, client))
          assert.isTrue(CampaignLifecycle.isActive(c.campaign, day))
          assert.isBelow(c.counters.impressions, c.campaign.impressions_limit)
        }
      }),
    )
  })
})

describe("Ranking.Valuation", () => {
  it("values a campaign in a TermsTable exactly as `value` does, and admits what isEligible admits of an active, matching one", () =>
    fc.assert(
      fc.property(
        candidatesArb,
        contextArb,
        fc.constantFrom<"serve" | "never">("serve", "never"),
        (candidates, ctx, repeats) => {
          const context = { ...ctx, policy: { ...Ranking.defaultPolicy, repeats } }
          const valuation = new Ranking.Valuation(context)
          const terms = new Ranking.TermsTable(candidates.map((c) => c.campaign))
          const maxScore = Math.max(0, ...candidates.map((c) => c.score))
          candidates.forEach((candidate, i) => {
            const { counters } = candidate
            const args = [
              counters.impressions,
              counters.clicks,
              counters.seen,
              counters.clicked,
              candidate.score,
              maxScore,
            ] as const
            assert.isTrue(
              Object.is(valuation.valueAt(terms, i, ...args), Ranking.value(candidate, context, maxScore)),
            )
            if (
              CampaignLifecycle.isActive(candidate.campaign, context.day) &&
              Targeting.matches(candidate.campaign.targeting, context.client)
            )
              assert.strictEqual(
                valuation.admissibleAt(terms, i, counters.impressions, counters.seen),
                Ranking.isEligible(candidate, context),
              )
          })
        },
      ),
      { numRuns: 300 },
    ))
})
