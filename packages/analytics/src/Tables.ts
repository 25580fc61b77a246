import { Effect } from "effect"
import { AnalyticsError } from "./AnalyticsError.js"
import { ClickHouse } from "./ClickHouse.js"
import * as Literal from "./Literal.js"

export const EVENTS = "events"
/** Where a rebuild builds the events beside `events`, then swaps it in (`StagingEvents`). */
export const EVENTS_REBUILD = "events_rebuild"
/** What `events` is renamed to during the swap, dropped right after. */
export const EVENTS_OLD = "events_old"
export const MIGRATIONS = "schema_migrations"

/** `database`.`table` for the configured database; a database name outside the identifier grammar is an AnalyticsError. */
export const qualified = (table: string) =>
  Effect.flatMap(ClickHouse, ({ database }) =>
    Effect.mapError(
      Literal.qualified(database, table),
      (invalid) => new AnalyticsError({ operation: "name", message: `${invalid.value}: ${invalid.reason}` }),
    ),
  )
