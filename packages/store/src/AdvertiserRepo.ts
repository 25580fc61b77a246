import type { AdvertiserId } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { inInputOrder, lastWinsBy, sortedBy } from "./Batches.js"
import { classifyIntegrity } from "./StoreErrors.js"

export interface AdvertiserRow {
  readonly advertiser_id: AdvertiserId
  readonly name: string
}

const byId = (row: AdvertiserRow) => row.advertiser_id

export class AdvertiserRepo extends Effect.Service<AdvertiserRepo>()("@adflow/store/AdvertiserRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /**
     * Creates or replaces advertisers in one statement, all or nothing. Answers one stored row
     * per distinct id, in the order the ids first appear; for an id given twice the last wins.
     */
    const upsertMany = (rows: ReadonlyArray<AdvertiserRow>) => {
      const wanted = lastWinsBy(rows, byId)
      if (wanted.length === 0) return Effect.succeed<ReadonlyArray<AdvertiserRow>>([])
      const locked = sortedBy(wanted, byId)
      return sql<AdvertiserRow>`
        INSERT INTO advertisers (advertiser_id, name)
        SELECT * FROM unnest(
          ${locked.map((r) => r.advertiser_id)}::uuid[],
          ${locked.map((r) => r.name)}::text[]
        )
        ON CONFLICT (advertiser_id) DO UPDATE SET name = excluded.name
        RETURNING advertiser_id, name`.pipe(
        classifyIntegrity,
        Effect.map((stored) => inInputOrder(wanted, stored, byId)),
      )
    }

    const findById = (advertiserId: AdvertiserId) =>
      sql<AdvertiserRow>`SELECT advertiser_id, name FROM advertisers WHERE advertiser_id = ${advertiserId}`.pipe(
        Effect.map((rows) => Option.fromNullable(rows[0])),
      )

    return { upsertMany, findById } as const
  }),
}) {}
