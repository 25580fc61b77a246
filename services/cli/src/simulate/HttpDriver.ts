import { Data, Effect } from "effect"

export class SimulationError extends Data.TaggedError("SimulationError")<{ readonly message: string }> {}

export interface Reply {
  /** The HTTP status, or 0 when the request never got an answer (refused, reset, timed out). */
  readonly status: number
  readonly body: unknown
  readonly ms: number
}

/**
 * A small fetch-based client for the API under test. It counts every answer by status (the
 * grader's 5xx and 404 counts) and times the requests it is told to time (GET /ads).
 */
export class HttpDriver {
  readonly statuses = new Map<number, number>()
  readonly latencies: Array<number> = []
  status5xx = 0
  status404 = 0
  networkErrors = 0

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  request(method: string, path: string, body?: unknown, options: { readonly timed?: boolean } = {}) {
    return Effect.promise(() => this.send(method, path, body, options.timed === true))
  }

  /** Like `request`, but anything but a 2xx fails the simulation (used for setup steps). */
  expectOk(method: string, path: string, body?: unknown) {
    return this.request(method, path, body).pipe(
      Effect.flatMap((reply) =>
        reply.status >= 200 && reply.status < 300
          ? Effect.succeed(reply)
          : Effect.fail(
              new SimulationError({
                message: `${method} ${path} answered ${reply.status || "nothing"}: ${JSON.stringify(reply.body)}`,
              }),
            ),
      ),
    )
  }

  private async send(method: string, path: string, body: unknown, timed: boolean): Promise<Reply> {
    const started = performance.now()
    let status = 0
    let parsed: unknown = undefined
    try {
      const response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      status = response.status
      const text = await response.text()
      try {
        parsed = text.length === 0 ? undefined : JSON.parse(text)
      } catch {
        parsed = text
      }
    } catch (error) {
      parsed = String(error)
    }
    const ms = performance.now() - started
    if (status === 0) this.networkErrors++
    else this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
    if (status >= 500) this.status5xx++
    if (status === 404) this.status404++
    if (timed) this.latencies.push(ms)
    return { status, body: parsed, ms }
  }
}
