/**
 * Per-route request latency as a Prometheus histogram,
 * `http_server_request_duration_seconds{http_route, http_request_method, http_response_status_code}`
 * (the names of the OpenTelemetry HTTP conventions; the Grafana dashboard reads them), kept in
 * plain arrays so recording a request costs a map lookup and a few additions.
 */

export const BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const

interface Series {
  readonly labels: string
  /** Per bucket (not cumulative), the last for +Inf. */
  readonly counts: Array<number>
  sum: number
  count: number
}

const series = new Map<string, Series>()

const escape = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

export const observe = (route: string, method: string, status: number, seconds: number): void => {
  const key = `${route} ${method} ${status}`
  let entry = series.get(key)
  if (entry === undefined) {
    entry = {
      labels: `http_route="${escape(route)}",http_request_method="${escape(method)}",http_response_status_code="${status}"`,
      counts: new Array<number>(BUCKETS.length + 1).fill(0),
      sum: 0,
      count: 0,
    }
    series.set(key, entry)
  }
  let bucket = 0
  while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++
  entry.counts[bucket]!++
  entry.sum += seconds
  entry.count++
}

const NAME = "http_server_request_duration_seconds"

export const render = (): string => {
  const lines = [`# HELP ${NAME} Duration of HTTP server requests.`, `# TYPE ${NAME} histogram`]
  for (const entry of series.values()) {
    let cumulative = 0
    BUCKETS.forEach((le, i) => {
      cumulative += entry.counts[i]!
      lines.push(`${NAME}_bucket{${entry.labels},le="${le}"} ${cumulative}`)
    })
    lines.push(`${NAME}_bucket{${entry.labels},le="+Inf"} ${entry.count}`)
    lines.push(`${NAME}_sum{${entry.labels}} ${entry.sum}`)
    lines.push(`${NAME}_count{${entry.labels}} ${entry.count}`)
  }
  return lines.join("\n") + "\n"
}
