import type { Observations } from "./Simulation.js"
import { isOverLimit, mean, meanRelativeError, percentile } from "./Metrics.js"

export interface Report {
  readonly run: {
    readonly url: string
    readonly seed: number
    readonly days: number
    readonly start_day: number
    readonly clients: number
    readonly advertisers: number
    readonly campaigns: number
    readonly click_model: string
    readonly concurrency: number
  }
  /** The figures of RULES.md "The grader's view". */
  readonly grader: {
    readonly status_5xx: number
    readonly status_404: number
    readonly unique_impressions: number
    readonly mean_ml_score: number
    readonly revenue: number
    readonly campaigns_over_limit: number
    readonly targeting_mismatches: number
    readonly mean_response_ms: number
    readonly impressions_limit_mean_relative_error: number
  }
  readonly expected_revenue: number
  readonly oracle: {
    readonly expected_revenue: number
    readonly mean_ml_score: number
    readonly impressions: number
  }
  /** expected_revenue / oracle.expected_revenue; 1 when both are 0. */
  readonly revenue_ratio: number
  readonly latency_ms: { readonly p50: number; readonly p99: number; readonly mean: number }
  readonly stats_checked: number
  readonly stats_mismatches: number
  readonly details: {
    readonly ad_requests: number
    readonly ads_served: number
    readonly clicks_attempted: number
    readonly clicks_accepted: number
    readonly clicks_rejected: number
    readonly clicks_limit_mean_relative_error: number
    readonly foreign_ads: number
    readonly rejected_updates: number
    readonly network_errors: number
    readonly statuses: Record<string, number>
    readonly mismatch_samples: ReadonlyArray<string>
    readonly stats_mismatch_samples: ReadonlyArray<string>
    readonly rejected_update_samples: ReadonlyArray<string>
  }
}

export interface RunShape {
  readonly url: string
  readonly seed: number
  readonly days: number
  readonly startDay: number
  readonly clickModel: { readonly name: string }
  readonly concurrency: number
}

const round = (value: number, digits = 4) => Number(value.toFixed(digits))

export const buildReport = (config: RunShape, obs: Observations): Report => {
  const { market, ledger, campaignIds, driver, oracle } = obs
  const delivered = market.campaigns.map((c) => {
    const tally = ledger.campaign(campaignIds.get(c.key) ?? "")
    return { campaign: c, impressions: tally.impressions, clicks: tally.clicks }
  })
  const total = ledger.total()
  const expected = obs.expectedRevenue
  return {
    run: {
      url: config.url,
      seed: config.seed,
      days: config.days,
      start_day: config.startDay,
      clients: market.clients.length,
      advertisers: market.advertisers.length,
      campaigns: market.campaigns.length,
      click_model: config.clickModel.name,
      concurrency: config.concurrency,
    },
    grader: {
      status_5xx: driver.status5xx,
      status_404: driver.status404,
      unique_impressions: obs.uniqueImpressions,
      mean_ml_score: round(obs.uniqueImpressions === 0 ? 0 : obs.impressionScoreSum / obs.uniqueImpressions),
      revenue: round((total.impressionMicros + total.clickMicros) / 1e6, 6),
      campaigns_over_limit: delivered.filter((d) => isOverLimit(d.impressions, d.campaign.impressions_limit))
        .length,
      targeting_mismatches: obs.mismatches,
      mean_response_ms: round(mean(driver.latencies), 3),
      impressions_limit_mean_relative_error: round(
        meanRelativeError(
          delivered.map((d) => ({ actual: d.impressions, limit: d.campaign.impressions_limit })),
        ),
      ),
    },
    expected_revenue: round(expected),
    oracle: {
      expected_revenue: round(oracle.expectedRevenue),
      mean_ml_score: round(oracle.meanScore),
      impressions: oracle.impressions,
    },
    revenue_ratio: round(oracle.expectedRevenue === 0 ? 1 : expected / oracle.expectedRevenue),
    latency_ms: {
      p50: round(percentile(driver.latencies, 0.5), 3),
      p99: round(percentile(driver.latencies, 0.99), 3),
      mean: round(mean(driver.latencies), 3),
    },
    stats_checked: obs.statsChecked,
    stats_mismatches: obs.statsMismatches,
    details: {
      ad_requests: obs.adRequests,
      ads_served: obs.adsServed,
      clicks_attempted: obs.clicksAttempted,
      clicks_accepted: obs.clicksAccepted,
      clicks_rejected: obs.clicksRejected,
      clicks_limit_mean_relative_error: round(
        meanRelativeError(delivered.map((d) => ({ actual: d.clicks, limit: d.campaign.clicks_limit }))),
      ),
      foreign_ads: obs.foreignAds,
      rejected_updates: obs.rejectedUpdates,
      network_errors: driver.networkErrors,
      statuses: Object.fromEntries(
        [...driver.statuses].sort(([a], [b]) => a - b).map(([s, n]) => [String(s), n]),
      ),
      mismatch_samples: obs.mismatchSamples,
      stats_mismatch_samples: obs.statsSamples,
      rejected_update_samples: obs.updateSamples,
    },
  }
}

/** The summary printed to stdout: one figure per line. */
export const renderTable = (report: Report): string => {
  const rows: Array<[string, string | number]> = [
    ["click model", report.run.click_model],
    ["seed", report.run.seed],
    ["5xx answers", report.grader.status_5xx],
    ["404 answers", report.grader.status_404],
    ["unique impressions", report.grader.unique_impressions],
    ["mean ML score of impressions", report.grader.mean_ml_score],
    ["revenue", report.grader.revenue],
    ["campaigns over limit (>5%)", report.grader.campaigns_over_limit],
    ["targeting mismatches", report.grader.targeting_mismatches],
    ["mean GET /ads time, ms", report.grader.mean_response_ms],
    ["impressions vs limit, mean rel. error", report.grader.impressions_limit_mean_relative_error],
    ["expected revenue", report.expected_revenue],
    ["oracle expected revenue", report.oracle.expected_revenue],
    ["revenue ratio to oracle", report.revenue_ratio],
    ["oracle mean ML score", report.oracle.mean_ml_score],
    ["GET /ads p50, ms", report.latency_ms.p50],
    ["GET /ads p99, ms", report.latency_ms.p99],
    ["statistics checked", report.stats_checked],
    ["statistics disagreeing with ledger", report.stats_mismatches],
    ["ads from unknown campaigns", report.details.foreign_ads],
    ["rejected price/score updates", report.details.rejected_updates],
  ]
  const width = Math.max(...rows.map(([name]) => name.length))
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join("\n")
}
