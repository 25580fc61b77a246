import { assert, describe, it } from "@effect/vitest"
import { findClickModel } from "../../src/simulate/ClickModels.js"
import { HttpDriver } from "../../src/simulate/HttpDriver.js"
import { Ledger } from "../../src/simulate/Ledger.js"
import type { Market, SimCampaign } from "../../src/simulate/Market.js"
import { buildReport, renderTable } from "../../src/simulate/Report.js"
import type { Observations } from "../../src/simulate/Simulation.js"

const open = { gender: null, age_from: null, age_to: null, location: null }
const campaign = (key: number, limit: number): SimCampaign => ({
  key,
  advertiser_id: "A",
  impressions_limit: limit,
  clicks_limit: 1,
  cost_per_impression: 1,
  cost_per_click: 2,
  ad_title: "t",
  ad_text: "x",
  start_date: 1,
  end_date: 1,
  targeting: open,
})

const observations = (): Observations => {
  const market: Market = {
    advertisers: [{ advertiser_id: "A", name: "A" }],
    clients: [],
    campaigns: [campaign(0, 2), campaign(1, 10)],
    scores: [],
  }
  const ledger = new Ledger(() => "A")
  // c0: 3 impressions against a limit of 2 (over by 50%); c1: 5 of 10.
  for (const u of ["a", "b", "c"]) ledger.impression("c0", u, 1, 1)
  for (const u of ["a", "b", "c", "d", "e"]) ledger.impression("c1", u, 1, 0.5)
  ledger.click("c1", "a", 1, 2.25)
  const driver = new HttpDriver("http://127.0.0.1:1")
  driver.latencies.push(1, 2, 3, 100)
  driver.status404 = 4
  driver.statuses.set(200, 8).set(404, 4)
  return {
    market,
    ledger,
    campaignIds: new Map([
      [0, "c0"],
      [1, "c1"],
    ]),
    driver,
    oracle: { expectedRevenue: 20, impressions: 8, meanScore: 600, shown: new Map() },
    adRequests: 12,
    adsServed: 8,
    uniqueImpressions: 8,
    impressionScoreSum: 4000,
    expectedRevenue: 15,
    clicksAttempted: 1,
    clicksAccepted: 1,
    clicksRejected: 0,
    mismatches: 0,
    foreignAds: 0,
    rejectedUpdates: 0,
    statsChecked: 6,
    statsMismatches: 1,
    mismatchSamples: [],
    statsSamples: ["x"],
    updateSamples: [],
  }
}

const config = {
  url: "http://x",
  seed: 1,
  days: 1,
  startDay: 1,
  clickModel: findClickModel("flat")!,
  concurrency: 4,
}

describe("buildReport", () => {
  it("computes the grader's figures and the oracle comparison", () => {
    const report = buildReport(config, observations())
    assert.deepStrictEqual(report.grader, {
      status_5xx: 0,
      status_404: 4,
      unique_impressions: 8,
      mean_ml_score: 500,
      revenue: 3 + 2.5 + 2.25,
      campaigns_over_limit: 1,
      targeting_mismatches: 0,
      mean_response_ms: 26.5,
      impressions_limit_mean_relative_error: 0.5,
    })
    assert.strictEqual(report.expected_revenue, 15)
    assert.deepStrictEqual(report.oracle, { expected_revenue: 20, mean_ml_score: 600, impressions: 8 })
    assert.strictEqual(report.revenue_ratio, 0.75)
    assert.deepStrictEqual(report.latency_ms, { p50: 2, p99: 100, mean: 26.5 })
    assert.strictEqual(report.stats_mismatches, 1)
    assert.deepStrictEqual(report.details.statuses, { "200": 8, "404": 4 })
    assert.strictEqual(report.run.click_model, "flat")
  })

  it("survives a JSON round trip unchanged (no NaN or Infinity)", () => {
    const report = buildReport(config, observations())
    assert.deepStrictEqual(JSON.parse(JSON.stringify(report)), report)
  })

  it("the ratio is 1 when the oracle could earn nothing", () => {
    const obs = {
      ...observations(),
      oracle: { expectedRevenue: 0, impressions: 0, meanScore: 0, shown: new Map() },
      expectedRevenue: 0,
    }
    assert.strictEqual(buildReport(config, obs).revenue_ratio, 1)
  })

  it("the table names every grader figure", () => {
    const table = renderTable(buildReport(config, observations()))
    for (const label of ["5xx", "404", "unique impressions", "revenue ratio", "p99", "targeting mismatches"])
      assert.include(table, label)
  })
})
