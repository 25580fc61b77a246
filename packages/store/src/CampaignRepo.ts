import type { AdvertiserId, CampaignId, Day, Money } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Option } from "effect"
import { AdvertiserMissing, classifyIntegrity, type ConstraintViolation } from "./StoreErrors.js"

export type CampaignGender = "MALE" | "FEMALE" | "ALL"

/** What a caller gives to create or replace a campaign; null targeting means "no restriction". */
export interface CampaignInput {
  readonly campaign_id: CampaignId
  readonly advertiser_id: AdvertiserId
  readonly impressions_limit: number
  readonly clicks_limit: number
  readonly cost_per_impression_micros: Money.Micros
  readonly cost_per_click_micros: Money.Micros
  readonly ad_title: string
  readonly ad_text: string
  readonly start_date: Day
  readonly end_date: Day
  readonly gender: CampaignGender | null
  readonly age_from: number | null
  readonly age_to: number | null
  readonly location: string | null
}

export interface CampaignRow extends CampaignInput {
  readonly created_at: Date
  readonly updated_at: Date
  readonly deleted_at: Date | null
}

export interface PageRequest {
  /** 1 is the first page. */
  readonly page: number
  readonly size: number
}

// node-postgres answers bigint columns as strings; every bigint here is micro-units below 2^53.
type RawCampaign = Omit<CampaignRow, "cost_per_impression_micros" | "cost_per_click_micros"> & {
  readonly cost_per_impression_micros: string | number
  readonly cost_per_click_micros: string | number
}

const fromRaw = (raw: RawCampaign): CampaignRow => ({
  ...raw,
  cost_per_impression_micros: Number(raw.cost_per_impression_micros) as Money.Micros,
  cost_per_click_micros: Number(raw.cost_per_click_micros) as Money.Micros,
})

const COLUMNS = `campaign_id, advertiser_id, impressions_limit, clicks_limit,
  cost_per_impression_micros, cost_per_click_micros, ad_title, ad_text, start_date, end_date,
  gender, age_from, age_to, location, created_at, updated_at, deleted_at`

const ADVERTISER_REFERENCE = "campaigns_advertiser_id_fkey"

export class CampaignRepo extends Effect.Service<CampaignRepo>()("@adflow/store/CampaignRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const columns = sql.literal(COLUMNS)

    const referencingAdvertiser =
      (advertiserId: AdvertiserId) =>
      <A, R>(effect: Effect.Effect<A, SqlError, R>) =>
        classifyIntegrity(effect).pipe(
          Effect.catchTag(
            "ConstraintViolation",
            (violation): Effect.Effect<never, ConstraintViolation | AdvertiserMissing> =>
              violation.constraint === ADVERTISER_REFERENCE
                ? Effect.fail(new AdvertiserMissing({ advertiser_id: advertiserId }))
                : Effect.fail(violation),
          ),
        )

    const insert = (
      input: CampaignInput,
    ): Effect.Effect<CampaignRow, SqlError | ConstraintViolation | AdvertiserMissing> =>
      sql<RawCampaign>`
        INSERT INTO campaigns (campaign_id, advertiser_id, impressions_limit, clicks_limit,
          cost_per_impression_micros, cost_per_click_micros, ad_title, ad_text, start_date, end_date,
          gender, age_from, age_to, location)
        VALUES (${input.campaign_id}, ${input.advertiser_id}, ${input.impressions_limit}, ${input.clicks_limit},
          ${input.cost_per_impression_micros}, ${input.cost_per_click_micros}, ${input.ad_title}, ${input.ad_text},
          ${input.start_date}, ${input.end_date}, ${input.gender}, ${input.age_from}, ${input.age_to}, ${input.location})
        RETURNING ${columns}`.pipe(
        referencingAdvertiser(input.advertiser_id),
        Effect.flatMap((rows) => single(rows)),
      )

    const selectLive = (campaignId: CampaignId, advertiserId: AdvertiserId) =>
      sql<RawCampaign>`
        SELECT ${columns} FROM campaigns
        WHERE campaign_id = ${campaignId} AND advertiser_id = ${advertiserId} AND deleted_at IS NULL
        FOR UPDATE`

    /**
     * Replaces a live campaign of the same advertiser (creation time kept). `check` sees the
     * current row, locked, in the same transaction, so a rule such as "limits are frozen once
     * started" cannot race another update; its failure stores nothing. None when there is no such
     * live campaign.
     */
    const update = <E = never>(
      input: CampaignInput,
      check?: (current: CampaignRow) => Effect.Effect<void, E>,
    ): Effect.Effect<Option.Option<CampaignRow>, E | SqlError | ConstraintViolation | AdvertiserMissing> =>
      sql.withTransaction(
        Effect.gen(function* () {
          const current = yield* selectLive(input.campaign_id, input.advertiser_id)
          const [row] = current
          if (row === undefined) return Option.none()
          if (check !== undefined) yield* check(fromRaw(row))
          const updated = yield* sql<RawCampaign>`
            UPDATE campaigns SET
              impressions_limit = ${input.impressions_limit},
              clicks_limit = ${input.clicks_limit},
              cost_per_impression_micros = ${input.cost_per_impression_micros},
              cost_per_click_micros = ${input.cost_per_click_micros},
              ad_title = ${input.ad_title},
              ad_text = ${input.ad_text},
              start_date = ${input.start_date},
              end_date = ${input.end_date},
              gender = ${input.gender},
              age_from = ${input.age_from},
              age_to = ${input.age_to},
              location = ${input.location},
              updated_at = now()
            WHERE campaign_id = ${input.campaign_id}
            RETURNING ${columns}`.pipe(referencingAdvertiser(input.advertiser_id))
          return Option.some(yield* single(updated))
        }),
      )

    /** Hides a live campaign from every read but `findById(..., { includeDeleted: true })`; false when there was none. */
    const softDelete = (advertiserId: AdvertiserId, campaignId: CampaignId) =>
      sql`
        UPDATE campaigns SET deleted_at = now(), updated_at = now()
        WHERE campaign_id = ${campaignId} AND advertiser_id = ${advertiserId} AND deleted_at IS NULL
        RETURNING campaign_id`.pipe(Effect.map((rows) => rows.length > 0))

    const findById = (campaignId: CampaignId, options?: { readonly includeDeleted?: boolean }) =>
      (options?.includeDeleted
        ? sql<RawCampaign>`SELECT ${columns} FROM campaigns WHERE campaign_id = ${campaignId}`
        : sql<RawCampaign>`SELECT ${columns} FROM campaigns WHERE campaign_id = ${campaignId} AND deleted_at IS NULL`
      ).pipe(Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), fromRaw)))

    /** One page of an advertiser's live campaigns, oldest first (ties by id), so pages never overlap. */
    const listByAdvertiser = (advertiserId: AdvertiserId, { page, size }: PageRequest) =>
      sql<RawCampaign>`
        SELECT ${columns} FROM campaigns
        WHERE advertiser_id = ${advertiserId} AND deleted_at IS NULL
        ORDER BY created_at, campaign_id
        LIMIT ${size} OFFSET ${(Math.max(page, 1) - 1) * size}`.pipe(Effect.map((rows) => rows.map(fromRaw)))

    const countByAdvertiser = (advertiserId: AdvertiserId) =>
      sql<{ count: number }>`
        SELECT count(*)::integer AS count FROM campaigns
        WHERE advertiser_id = ${advertiserId} AND deleted_at IS NULL`.pipe(
        Effect.map((rows) => rows[0]?.count ?? 0),
      )

    /** Every live campaign with all its fields, to build the serving index. */
    const listActive = () =>
      sql<RawCampaign>`
        SELECT ${columns} FROM campaigns WHERE deleted_at IS NULL ORDER BY created_at, campaign_id`.pipe(
        Effect.map((rows) => rows.map(fromRaw)),
      )

    return { insert, update, softDelete, findById, listByAdvertiser, countByAdvertiser, listActive } as const
  }),
}) {}

const single = (rows: ReadonlyArray<RawCampaign>) => {
  const [row] = rows
  return row === undefined
    ? Effect.dieMessage("campaigns: a write with RETURNING answered no row")
    : Effect.succeed(fromRaw(row))
}
