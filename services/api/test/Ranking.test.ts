import type { CampaignView } from "@adflow/counters"
import type { AdvertiserId, CampaignId, Day, Money } from "@adflow/domain"
import { Targeting } from "@adflow/domain"
import type { CampaignRow } from "@adflow/store"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Ranking from "../src/Ranking.js"

const row = (id: number, limit: number, cpi: number, cpc: number): CampaignRow => ({
  campaign_id: `00000000-0000-4000-8000-${String(id).padStart(12, "0")}` as CampaignId,
  advertiser_id: "00000000-0000-4000-8000-000000000001" as AdvertiserId,
  impressions_limit: limit,
  clicks_limit: 0,
  cost_per_impression_micros: cpi as Money.Micros,
  cost_per_click_micros: cpc as Money.Micros,
  ad_title: "t",
  ad_text: "x",
  start_date: 0 as Day,
  end_date: 10 as Day,
  gender: null,
  age_from: null,
  age_to: null,
  location: null,
  created_at: new Date(0),
  updated_at: new Date(0),
  deleted_at: null,
})

const candidate = fc
  .record({
    id: fc.integer({ min: 0, max: 1_000_000 }),
    limit: fc.integer({ min: 0, max: 10 }),
    impressions: fc.integer({ min: 0, max: 12 }),
    seen: fc.boolean(),
    cpi: fc.integer({ min: 0, max: 10_000_000 }),
    cpc: fc.integer({ min: 0, max: 10_000_000 }),
    score: fc.integer({ min: 0, max: 1000 }),
  })
  .map(({ id, limit, impressions, seen, cpi, cpc, score }): Ranking.Candidate => {
    const view: CampaignView = { impressions, clicks: 0, seen, clicked: false }
    return { campaign: { row: row(id, limit, cpi, cpc), targeting: Targeting.none }, view, score }
  })

const earns = (c: Ranking.Candidate) => !c.view.seen && c.view.impressions < c.campaign.row.impressions_limit

describe("Ranking.order", () => {
  it("is a permutation that puts every earning candidate before any other", () =>
    fc.assert(
      fc.property(
        fc.uniqueArray(candidate, { selector: (c) => c.campaign.row.campaign_id }),
        (candidates) => {
          const ordered = Ranking.order(candidates)
          assert.sameMembers(ordered, candidates)
          const firstOther = ordered.findIndex((c) => !earns(c))
          if (firstOther !== -1) assert.isFalse(ordered.slice(firstOther).some(earns))
        },
      ),
    ))

  it("among earning candidates, a higher price comes first when scores are equal", () => {
    const cheap = {
      campaign: { row: row(1, 5, 100, 0), targeting: Targeting.none },
      view: { impressions: 0, clicks: 0, seen: false, clicked: false },
      score: 0,
    }
    const dear = { ...cheap, campaign: { row: row(2, 5, 200, 0), targeting: Targeting.none } }
    assert.deepStrictEqual(
      Ranking.order([cheap, dear]).map((c) => c.campaign.row.cost_per_impression_micros),
      [200, 100],
    )
    // The relevance bonus breaks a tie in price.
    const relevant = { ...cheap, campaign: { row: row(3, 5, 100, 0), targeting: Targeting.none }, score: 9 }
    assert.strictEqual(Ranking.order([cheap, relevant])[0], relevant)
  })
})
