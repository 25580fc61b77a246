import { Errors } from "@adflow/domain"
import { Effect } from "effect"

/** The tagged failures of the servers behind the API: none of them is the client's fault. */
const infrastructureTags = new Set(["SqlError", "CountersError", "BusError", "AnalyticsError"])

type Infrastructure = { readonly _tag: "SqlError" | "CountersError" | "BusError" | "AnalyticsError" }

const isInfrastructure = (error: unknown): error is Infrastructure =>
  typeof error === "object" &&
  error !== null &&
  infrastructureTags.has((error as { _tag?: string })._tag ?? "")

const describe = (error: Infrastructure): string => {
  const { operation, message } = error as { operation?: unknown; message?: unknown }
  const server =
    error._tag === "SqlError"
      ? "PostgreSQL"
      : error._tag === "CountersError"
        ? "Redis"
        : error._tag === "BusError"
          ? "NATS"
          : "ClickHouse"
  const detail = [operation, message].filter((part) => typeof part === "string" && part !== "").join(": ")
  return detail === "" ? `${server} is not answering` : `${server} is not answering (${detail})`
}

/** The 503 an infrastructure failure answers, naming the failing server; undefined for any other error. */
export const unavailableFor = (error: unknown): Errors.ServiceUnavailable | undefined =>
  isInfrastructure(error) ? Errors.serviceUnavailable(describe(error)) : undefined

/** Infrastructure failures become a 503 with the failing server named; other errors pass through. */
export const orUnavailable = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, Exclude<E, Infrastructure> | Errors.ServiceUnavailable, R> =>
  Effect.catchIf(effect, isInfrastructure, (error) =>
    Effect.logWarning("dependency failure", error).pipe(
      Effect.zipRight(Effect.fail(Errors.serviceUnavailable(describe(error)))),
    ),
  ) as Effect.Effect<A, Exclude<E, Infrastructure> | Errors.ServiceUnavailable, R>
