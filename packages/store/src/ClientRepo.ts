import type { ClientId } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { inInputOrder, lastWinsBy, sortedBy } from "./Batches.js"
import { classifyIntegrity } from "./StoreErrors.js"

export interface ClientRow {
  readonly client_id: ClientId
  readonly login: string
  readonly age: number
  readonly location: string
  readonly gender: "MALE" | "FEMALE"
}

const byId = (row: ClientRow) => row.client_id

export class ClientRepo extends Effect.Service<ClientRepo>()("@adflow/store/ClientRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /**
     * Creates or replaces clients in one statement, all or nothing. Answers one stored row per
     * distinct id, in the order the ids first appear; for an id given twice the last wins.
     */
    const upsertMany = (rows: ReadonlyArray<ClientRow>) => {
      const wanted = lastWinsBy(rows, byId)
      if (wanted.length === 0) return Effect.succeed<ReadonlyArray<ClientRow>>([])
      const locked = sortedBy(wanted, byId)
      return sql<ClientRow>`
        INSERT INTO clients (client_id, login, age, location, gender)
        SELECT * FROM unnest(
          ${locked.map((r) => r.client_id)}::uuid[],
          ${locked.map((r) => r.login)}::text[],
          ${locked.map((r) => r.age)}::integer[],
          ${locked.map((r) => r.location)}::text[],
          ${locked.map((r) => r.gender)}::text[]
        )
        ON CONFLICT (client_id) DO UPDATE
          SET login = excluded.login, age = excluded.age, location = excluded.location, gender = excluded.gender
        RETURNING client_id, login, age, location, gender`.pipe(
        classifyIntegrity,
        Effect.map((stored) => inInputOrder(wanted, stored, byId)),
      )
    }

    const findById = (clientId: ClientId) =>
      sql<ClientRow>`
        SELECT client_id, login, age, location, gender FROM clients WHERE client_id = ${clientId}`.pipe(
        Effect.map((rows) => Option.fromNullable(rows[0])),
      )

    /** The clients that exist among `ids`, in the order of `ids` (each at most once). */
    const findMany = (ids: ReadonlyArray<ClientId>) => {
      const distinct = Array.from(new Set(ids))
      if (distinct.length === 0) return Effect.succeed<ReadonlyArray<ClientRow>>([])
      return sql<ClientRow>`
        SELECT client_id, login, age, location, gender FROM clients
        WHERE client_id = ANY(${distinct}::uuid[])`.pipe(
        Effect.map((found) => {
          const byKey = new Map(found.map((row) => [row.client_id as string, row] as const))
          return distinct.flatMap((id) => {
            const row = byKey.get(id)
            return row === undefined ? [] : [row]
          })
        }),
      )
    }

    /**
     * Up to `limit` clients in `client_id` order, starting after `after` (from the first when
     * absent): walk the whole table with the last id of each page, without OFFSET.
     */
    const page = (after: Option.Option<ClientId>, limit: number) =>
      Option.match(after, {
        onNone: () => sql<ClientRow>`
          SELECT client_id, login, age, location, gender FROM clients
          ORDER BY client_id LIMIT ${limit}`,
        onSome: (last) => sql<ClientRow>`
          SELECT client_id, login, age, location, gender FROM clients
          WHERE client_id > ${last} ORDER BY client_id LIMIT ${limit}`,
      })

    return { upsertMany, findById, findMany, page } as const
  }),
}) {}
