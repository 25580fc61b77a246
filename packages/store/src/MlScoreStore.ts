import type { AdvertiserId, ClientId, Events } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { latestScorePerPair, scorePairKey, sortedBy } from "./Batches.js"

/** A stored ML score and the `at` (ms since the epoch) of the update that set it. */
export interface MlScoreRow {
  readonly client_id: ClientId
  readonly advertiser_id: AdvertiserId
  readonly score: number
  readonly updated_at: number
}

interface RawScore {
  readonly client_id: string
  readonly advertiser_id: string
  readonly score: number
  readonly updated_at: string | number
}

const fromRaw = (raw: RawScore): MlScoreRow => ({
  client_id: raw.client_id as ClientId,
  advertiser_id: raw.advertiser_id as AdvertiserId,
  score: raw.score,
  updated_at: Number(raw.updated_at),
})

/**
 * ML scores per (client, advertiser), last writer wins by the update's `at`: an older update
 * delivered late, or replayed, never overwrites a newer one.
 */
export class MlScoreStore extends Effect.Service<MlScoreStore>()("@adflow/store/MlScoreStore", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Applies a batch in one statement; answers how many pairs were inserted or changed. */
    const upsertBatch = (updates: ReadonlyArray<Events.ScoreUpdate>) => {
      if (updates.length === 0) return Effect.succeed(0)
      // ON CONFLICT cannot touch one row twice in a statement, so each pair appears once.
      const rows = sortedBy(latestScorePerPair(updates), scorePairKey)
      return sql<{ applied: number }>`
        WITH applied AS (
          INSERT INTO ml_scores (client_id, advertiser_id, score, updated_at)
          SELECT * FROM unnest(
            ${rows.map((u) => u.client_id)}::uuid[],
            ${rows.map((u) => u.advertiser_id)}::uuid[],
            ${rows.map((u) => u.score)}::integer[],
            ${rows.map((u) => u.at)}::bigint[]
          )
          ON CONFLICT (client_id, advertiser_id) DO UPDATE
            SET score = excluded.score, updated_at = excluded.updated_at
            WHERE ml_scores.updated_at <= excluded.updated_at
          RETURNING 1
        )
        SELECT count(*)::integer AS applied FROM applied`.pipe(
        Effect.map((result) => result[0]?.applied ?? 0),
      )
    }

    /** The stored score of a pair; none when no update has arrived (the contract counts that as 0). */
    const get = (clientId: ClientId, advertiserId: AdvertiserId) =>
      sql<RawScore>`
        SELECT client_id, advertiser_id, score, updated_at FROM ml_scores
        WHERE client_id = ${clientId} AND advertiser_id = ${advertiserId}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), fromRaw)),
      )

    /** Every stored score of one client, e.g. to warm a cache. */
    const listForClient = (clientId: ClientId) =>
      sql<RawScore>`
        SELECT client_id, advertiser_id, score, updated_at FROM ml_scores
        WHERE client_id = ${clientId} ORDER BY advertiser_id`.pipe(Effect.map((rows) => rows.map(fromRaw)))

    return { upsertBatch, get, listForClient } as const
  }),
}) {}
