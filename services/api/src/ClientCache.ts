import { ChangeFeed } from "@adflow/bus"
import type { ClientId } from "@adflow/domain"
import { ClientRepo, type ClientRow } from "@adflow/store"
import { Config, Deferred, Effect, Option } from "effect"
import { Entity } from "./Entities.js"
import * as Refresh from "./Refresh.js"

/** Clients read per query while warming up or refreshing. */
export const PAGE_SIZE = 10_000

export const ClientCacheConfig = Config.all({
  /** The most clients held in memory (about 200 bytes each). */
  capacity: Config.integer("ADFLOW_CLIENT_CACHE_SIZE").pipe(
    Config.withDefault(1_000_000),
    Config.validate({ message: "must be a positive integer", validation: (n) => n > 0 }),
  ),
  /** How often every held client is re-read, in case a change notice was lost. */
  refreshEvery: Config.duration("ADFLOW_CLIENT_CACHE_REFRESH").pipe(Config.withDefault("10 minutes")),
})

/** Ids written while one page read was in flight: that page's rows for them may be older. */
interface PageRead {
  readonly written: Set<string>
  everything: boolean
}

/**
 * Clients by id, so that `GET /ads` reads no SQL. Loaded at start in pages (in the background:
 * until it finishes, a miss reads PostgreSQL as any miss does), kept current by change notices
 * (which drop the named ids; the next read loads them again), and re-read whole every
 * `refreshEvery` as a safety net for lost notices. At most `capacity` clients are held: when the
 * table is larger, warm-up stops there and a miss evicts the longest-held client. Unknown ids are
 * not remembered (a client may be created at any moment).
 */
export class ClientCache extends Effect.Service<ClientCache>()("@adflow/api/ClientCache", {
  scoped: Effect.gen(function* () {
    const repo = yield* ClientRepo
    const feed = yield* ChangeFeed
    const { capacity, refreshEvery } = yield* ClientCacheConfig
    const changes = yield* feed.subscribe(Entity.client)

    // Insertion-ordered: the first key is the longest held, the one a full cache evicts.
    const cache = new Map<string, ClientRow>()
    // Locations repeat across clients: one string per distinct value instead of one per row
    // (~190 instead of ~230 bytes per client), for the first 10,000 distinct values.
    const locations = new Map<string, string>()
    // Bumped by every invalidation, so a single read that raced one does not store what it read.
    let generation = 0
    const pageReads = new Set<PageRead>()

    const intern = (row: ClientRow): ClientRow => {
      const location = locations.get(row.location)
      if (location !== undefined) return { ...row, location }
      if (locations.size < 10_000) locations.set(row.location, row.location)
      return row
    }

    const remember = (row: ClientRow) => {
      if (!cache.has(row.client_id) && cache.size >= capacity) {
        const oldest = cache.keys().next()
        if (oldest.done !== true) cache.delete(oldest.value)
      }
      cache.set(row.client_id, intern(row))
    }

    const written = (ids: ReadonlyArray<string>) => {
      generation++
      for (const read of pageReads) {
        if (ids.length === 0) read.everything = true
        for (const id of ids) read.written.add(id)
      }
    }

    const get = (clientId: ClientId) => {
      const hit = cache.get(clientId)
      if (hit !== undefined) return Effect.succeed(Option.some(hit))
      const before = generation
      return repo.findById(clientId).pipe(
        Effect.tap((found) => {
          if (Option.isSome(found) && generation === before) remember(found.value)
        }),
      )
    }

    const invalidate = (ids: ReadonlyArray<string>) => {
      written(ids)
      if (ids.length === 0) cache.clear()
      for (const id of ids) cache.delete(id)
    }

    /**
     * Walks the whole table a page at a time: replaces every held client (a lost notice can
     * have left it stale) and adds the others while there is room. Rows of a page whose ids
     * were written during its read are skipped: the write's own row or notice is newer.
     */
    const sync = Effect.gen(function* () {
      let after = Option.none<ClientId>()
      for (;;) {
        const read: PageRead = { written: new Set(), everything: false }
        pageReads.add(read)
        const rows = yield* repo
          .page(after, PAGE_SIZE)
          .pipe(Effect.ensuring(Effect.sync(() => pageReads.delete(read))))
        if (!read.everything)
          for (const row of rows)
            if (!read.written.has(row.client_id) && (cache.has(row.client_id) || cache.size < capacity))
              remember(row)
        if (rows.length < PAGE_SIZE) return
        after = Option.some(rows[rows.length - 1]!.client_id)
      }
    })

    const warmedUp = yield* Deferred.make<void>()
    yield* sync.pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("client cache: warm-up failed", cause)),
      Effect.ensuring(Deferred.succeed(warmedUp, undefined)),
      Effect.forkScoped,
    )
    yield* Refresh.onChanges(changes, (change) => Effect.sync(() => invalidate(change.ids)))
    yield* Refresh.every(refreshEvery, sync)

    return {
      get,
      /** The client if it is held in memory; never reads PostgreSQL. */
      held: (clientId: ClientId): ClientRow | undefined => cache.get(clientId),
      size: () => cache.size,
      /** Completes when the start-up load has finished (or failed: misses then read PostgreSQL). */
      warmedUp: Deferred.await(warmedUp),
      /** Re-reads every client now (the periodic safety net; for tests). */
      refresh: sync,
      /** After a local write: remember what was stored, and tell every instance. */
      stored: (rows: ReadonlyArray<ClientRow>) =>
        Effect.suspend(() => {
          written(rows.map((row) => row.client_id))
          for (const row of rows) remember(row)
          return feed.publish(
            Entity.client,
            rows.map((row) => row.client_id),
          )
        }),
    } as const
  }),
}) {}
