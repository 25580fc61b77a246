/**
 * Counters of the ad request's outcomes, exposed at /metrics. Plain numbers in one process-wide
 * registry: incrementing them is free on the hot path.
 */
export type Refusal = "unknown_client" | "no_candidate" | "all_at_limit"

export const servingCounts = {
  served: 0,
  repeats: 0,
  refused: { unknown_client: 0, no_candidate: 0, all_at_limit: 0 } as Record<Refusal, number>,
  /** Admissions refused because the campaign reached its limit (the next candidate was tried). */
  admissionsAtLimit: 0,
  /** Counter reads after the first (with the scores): how often the first window was not enough. */
  furtherReads: 0,
  clicks: 0,
  clicksRefused: 0,
}

/** The impression outbox (`OutboxRelay`): entries published again, and how many waited at the last sweep. */
export const outboxCounts = { republished: 0, unconfirmed: 0 }

const counter = (
  name: string,
  help: string,
  samples: ReadonlyArray<readonly [labels: string, value: number]>,
) => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} counter`,
  ...samples.map(([labels, value]) => `${name}${labels} ${value}`),
]

export const render = (): string =>
  [
    ...counter("adflow_ads_served_total", "Ad requests answered with a new (charged) impression.", [
      ["", servingCounts.served],
    ]),
    ...counter("adflow_ads_repeated_total", "Ad requests answered with an ad the client had already seen.", [
      ["", servingCounts.repeats],
    ]),
    ...counter(
      "adflow_ads_refused_total",
      "Ad requests answered 404, by reason.",
      Object.entries(servingCounts.refused).map(
        ([reason, value]) => [`{reason="${reason}"}`, value] as const,
      ),
    ),
    ...counter(
      "adflow_admissions_at_limit_total",
      "Candidates refused at admission because of their limit.",
      [["", servingCounts.admissionsAtLimit]],
    ),
    ...counter(
      "adflow_ads_further_reads_total",
      "Counter reads of an ad request after its first: the first window did not hold the best candidate.",
      [["", servingCounts.furtherReads]],
    ),
    ...counter(
      "adflow_impressions_republished_total",
      "Admitted impressions whose publish was not confirmed in time, published again from the outbox.",
      [["", outboxCounts.republished]],
    ),
    "# HELP adflow_impressions_unconfirmed Admitted impressions waiting in the outbox at the last sweep.",
    "# TYPE adflow_impressions_unconfirmed gauge",
    `adflow_impressions_unconfirmed ${outboxCounts.unconfirmed}`,
    ...counter("adflow_clicks_accepted_total", "Clicks published.", [["", servingCounts.clicks]]),
    ...counter("adflow_clicks_refused_total", "Clicks refused because the ad was not shown.", [
      ["", servingCounts.clicksRefused],
    ]),
  ].join("\n") + "\n"
