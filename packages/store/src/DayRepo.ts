import type { Day } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { classifyIntegrity } from "./StoreErrors.js"

/** The persisted current day (0 on a fresh system). Callers cache it; this is the source of truth. */
export class DayRepo extends Effect.Service<DayRepo>()("@adflow/store/DayRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const get = () =>
      sql<{ day: number }>`SELECT day FROM current_day`.pipe(Effect.map((rows) => (rows[0]?.day ?? 0) as Day))

    /** Stores the day and answers the stored value; a negative day is a `ConstraintViolation`. */
    const set = (day: Day) =>
      sql<{ day: number }>`UPDATE current_day SET day = ${day} RETURNING day`.pipe(
        classifyIntegrity,
        Effect.map((rows) => (rows[0]?.day ?? day) as Day),
      )

    return { get, set } as const
  }),
}) {}
