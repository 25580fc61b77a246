import { ChangeFeed } from "@adflow/bus"
import type { Day } from "@adflow/domain"
import { DayRepo } from "@adflow/store"
import { Effect } from "effect"
import { Entity } from "./Entities.js"
import * as Refresh from "./Refresh.js"

/**
 * The current day: persisted in PostgreSQL, held in memory here so the ad request reads it for
 * free. A change notice (or the periodic re-read) makes every instance read the stored value again.
 */
export class CurrentDay extends Effect.Service<CurrentDay>()("@adflow/api/CurrentDay", {
  scoped: Effect.gen(function* () {
    const repo = yield* DayRepo
    const feed = yield* ChangeFeed
    const changes = yield* feed.subscribe(Entity.day)

    let current = yield* repo.get()
    // Bumped by every local write, so a read that started before it cannot overwrite its result.
    let writes = 0

    const reload = Effect.suspend(() => {
      const before = writes
      return repo.get().pipe(
        Effect.map((day) => {
          if (writes === before) current = day
        }),
      )
    })

    yield* Refresh.onChanges(changes, () => reload)
    yield* Refresh.every("5 seconds", reload)

    /** Stores the day, switches this instance to it and tells the others; answers the stored value. */
    const set = (day: Day) =>
      repo.set(day).pipe(
        Effect.tap((stored) => {
          writes++
          current = stored
        }),
        Effect.tap((stored) => feed.publish(Entity.day, [String(stored)])),
      )

    return { get: (): Day => current, set } as const
  }),
}) {}
