/** Counters the processor exposes on /metrics (Prometheus text format). */
const totals = {
  impressions: 0,
  clicks: 0,
  scores: 0,
  deadLetters: 0,
  retried: 0,
  waited: 0,
  batches: 0,
  failedBatches: 0,
  floorRequests: 0,
}

export const recordBatch = (batch: {
  impressions: number
  clicks: number
  scores: number
  deadLetters: number
  retried: number
  waited: number
}): void => {
  totals.impressions += batch.impressions
  totals.clicks += batch.clicks
  totals.scores += batch.scores
  totals.deadLetters += batch.deadLetters
  totals.retried += batch.retried
  totals.waited += batch.waited
  totals.batches += 1
}

export const recordFailedBatch = (): void => {
  totals.failedBatches += 1
}

export const recordFloorRequest = (): void => {
  totals.floorRequests += 1
}

export const snapshot = () => ({ ...totals })

export const render = (): string =>
  [
    "# HELP adflow_processor_events_total Events applied to every store and acknowledged.",
    "# TYPE adflow_processor_events_total counter",
    `adflow_processor_events_total{kind="impression"} ${totals.impressions}`,
    `adflow_processor_events_total{kind="click"} ${totals.clicks}`,
    `adflow_processor_events_total{kind="score"} ${totals.scores}`,
    "# HELP adflow_processor_dead_letters_total Messages moved to the dead-letter stream.",
    "# TYPE adflow_processor_dead_letters_total counter",
    `adflow_processor_dead_letters_total ${totals.deadLetters}`,
    "# HELP adflow_processor_click_retries_total Clicks sent back to wait for their impression.",
    "# TYPE adflow_processor_click_retries_total counter",
    `adflow_processor_click_retries_total ${totals.retried}`,
    "# HELP adflow_processor_click_waits_total Clicks held in their lane until the impressions before them were applied.",
    "# TYPE adflow_processor_click_waits_total counter",
    `adflow_processor_click_waits_total ${totals.waited}`,
    "# HELP adflow_processor_batches_total Batches written, by outcome.",
    "# TYPE adflow_processor_batches_total counter",
    `adflow_processor_batches_total{outcome="ok"} ${totals.batches}`,
    `adflow_processor_batches_total{outcome="failed"} ${totals.failedBatches}`,
    "# HELP adflow_processor_floor_requests_total Requests for the impression consumer's ack floor (consumer info) made for waiting clicks.",
    "# TYPE adflow_processor_floor_requests_total counter",
    `adflow_processor_floor_requests_total ${totals.floorRequests}`,
    "",
  ].join("\n")
