import { ChangeFeed } from "@adflow/bus"
import type { ClientId } from "@adflow/domain"
import { ClientRepo, type ClientRow } from "@adflow/store"
import { Effect, Option } from "effect"
import { Entity } from "./Entities.js"
import * as Refresh from "./Refresh.js"

/**
 * Clients by id, read from PostgreSQL on the first miss and kept until a change notice names
 * them. Unknown ids are not remembered (a client may be created at any moment).
 */
export class ClientCache extends Effect.Service<ClientCache>()("@adflow/api/ClientCache", {
  scoped: Effect.gen(function* () {
    const repo = yield* ClientRepo
    const feed = yield* ChangeFeed
    const changes = yield* feed.subscribe(Entity.client)

    const cache = new Map<string, ClientRow>()
    // Bumped by every invalidation, so a read that raced one does not store what it read.
    let generation = 0

    const get = (clientId: ClientId) => {
      const hit = cache.get(clientId)
      if (hit !== undefined) return Effect.succeed(Option.some(hit))
      const before = generation
      return repo.findById(clientId).pipe(
        Effect.tap((found) => {
          if (Option.isSome(found) && generation === before) cache.set(clientId, found.value)
        }),
      )
    }

    const invalidate = (ids: ReadonlyArray<string>) => {
      generation++
      if (ids.length === 0) cache.clear()
      for (const id of ids) cache.delete(id)
    }

    yield* Refresh.onChanges(changes, (change) => Effect.sync(() => invalidate(change.ids)))

    return {
      get,
      /** After a local write: remember what was stored, and tell every instance. */
      stored: (rows: ReadonlyArray<ClientRow>) =>
        Effect.suspend(() => {
          generation++
          for (const row of rows) cache.set(row.client_id, row)
          return feed.publish(
            Entity.client,
            rows.map((row) => row.client_id),
          )
        }),
    } as const
  }),
}) {}
