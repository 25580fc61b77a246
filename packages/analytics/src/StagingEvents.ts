import { Events } from "@adflow/domain"
import { Effect } from "effect"
import { AnalyticsError } from "./AnalyticsError.js"
import { ClickHouse } from "./ClickHouse.js"
import { insertStatement } from "./EventRows.js"
import * as Tables from "./Tables.js"
import { isUnknownTable } from "./UnknownTable.js"

/**
 * The rebuild's copy of `events`, built beside it and swapped in with one RENAME. Live batches
 * write here first and to `events` second while a rebuild runs, so whichever side of the swap a
 * batch falls, its rows end up in the table called `events`.
 */
export class StagingEvents extends Effect.Service<StagingEvents>()("@adflow/analytics/StagingEvents", {
  effect: Effect.gen(function* () {
    const { client } = yield* ClickHouse
    const events = yield* Effect.orDie(Tables.qualified(Tables.EVENTS))
    const staging = yield* Effect.orDie(Tables.qualified(Tables.EVENTS_REBUILD))
    const old = yield* Effect.orDie(Tables.qualified(Tables.EVENTS_OLD))

    const command = (operation: string, query: string) =>
      Effect.tryPromise({
        try: (signal) => client.command({ query, abort_signal: signal }),
        catch: AnalyticsError.from(operation),
      }).pipe(Effect.asVoid)

    /** An empty staging table shaped like `events` (a leftover of an earlier rebuild is dropped first). */
    const prepare = Effect.all(
      [
        command("stagingEvents.prepare", `DROP TABLE IF EXISTS ${staging}`),
        command("stagingEvents.prepare", `DROP TABLE IF EXISTS ${old}`),
        command("stagingEvents.prepare", `CREATE TABLE ${staging} AS ${events}`),
      ],
      { discard: true },
    )

    /**
     * The live mirror's insert. A missing staging table means no rebuild is building one (not
     * created yet, swapped in already, or dropped by a failed rebuild): the rows have nowhere to
     * go and need none — the rebuild replays whatever was published before the table existed.
     */
    const insertEvents = (batch: ReadonlyArray<Events.Impression | Events.Click>) =>
      batch.length === 0
        ? Effect.void
        : Effect.tryPromise({
            try: (signal) =>
              client.command({
                query: insertStatement(staging, batch),
                abort_signal: signal,
              }),
            catch: (cause) => cause,
          }).pipe(
            Effect.asVoid,
            Effect.catchIf(isUnknownTable, () => Effect.void),
            Effect.mapError(AnalyticsError.from("stagingEvents.insert")),
          )

    /**
     * Staging becomes `events` in one statement; the old table is dropped. A statistics query
     * running meanwhile keeps reading the old table (complete) and the next one reads the new.
     */
    const swap = Effect.zipRight(
      command("stagingEvents.swap", `RENAME TABLE ${events} TO ${old}, ${staging} TO ${events}`),
      command("stagingEvents.swap", `DROP TABLE IF EXISTS ${old}`),
    )

    const drop = command("stagingEvents.drop", `DROP TABLE IF EXISTS ${staging}`)

    return { prepare, insertEvents, swap, drop } as const
  }),
}) {}
