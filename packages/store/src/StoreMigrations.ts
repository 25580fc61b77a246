import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { Effect, Layer } from "effect"

// Migrations live in code (not files) so that every service and test runs the same schema
// without a schema directory or pg_dump. Append new ones; never edit an applied one.

const masterData = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE advertisers (
      advertiser_id uuid PRIMARY KEY,
      name text NOT NULL
    )`
  yield* sql`
    CREATE TABLE clients (
      client_id uuid PRIMARY KEY,
      login text NOT NULL,
      age integer NOT NULL CHECK (age >= 0),
      location text NOT NULL,
      gender text NOT NULL CHECK (gender IN ('MALE', 'FEMALE'))
    )`
  yield* sql`
    CREATE TABLE campaigns (
      campaign_id uuid PRIMARY KEY,
      advertiser_id uuid NOT NULL REFERENCES advertisers (advertiser_id),
      impressions_limit integer NOT NULL CHECK (impressions_limit >= 0),
      clicks_limit integer NOT NULL CHECK (clicks_limit >= 0),
      cost_per_impression_micros bigint NOT NULL CHECK (cost_per_impression_micros >= 0),
      cost_per_click_micros bigint NOT NULL CHECK (cost_per_click_micros >= 0),
      ad_title text NOT NULL,
      ad_text text NOT NULL,
      start_date integer NOT NULL CHECK (start_date >= 0),
      end_date integer NOT NULL,
      gender text NULL CHECK (gender IN ('MALE', 'FEMALE', 'ALL')),
      age_from integer NULL CHECK (age_from >= 0),
      age_to integer NULL CHECK (age_to >= 0),
      location text NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz NULL,
      CONSTRAINT campaigns_dates_ordered CHECK (start_date <= end_date),
      CONSTRAINT campaigns_ages_ordered CHECK (age_from IS NULL OR age_to IS NULL OR age_from <= age_to)
    )`
  // Listing by advertiser pages through live campaigns in creation order; campaign_id breaks ties.
  yield* sql`
    CREATE INDEX campaigns_by_advertiser ON campaigns (advertiser_id, created_at, campaign_id)
    WHERE deleted_at IS NULL`
  // A one-row table: the current day exists from the start (0) and can never be missing or doubled.
  yield* sql`
    CREATE TABLE current_day (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      day integer NOT NULL CHECK (day >= 0)
    )`
  yield* sql`INSERT INTO current_day (singleton, day) VALUES (true, 0)`
})

const ledger = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // No foreign keys: events may come from outside producers or a replay before (or after)
  // the master data they mention, and the ledger must still record exactly what happened.
  yield* sql`
    CREATE TABLE impressions (
      event_id text PRIMARY KEY,
      campaign_id uuid NOT NULL,
      advertiser_id uuid NOT NULL,
      client_id uuid NOT NULL,
      day integer NOT NULL,
      cost_micros bigint NOT NULL,
      score integer NOT NULL,
      at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX impressions_by_campaign ON impressions (campaign_id)`
  yield* sql`
    CREATE TABLE clicks (
      event_id text PRIMARY KEY,
      campaign_id uuid NOT NULL,
      advertiser_id uuid NOT NULL,
      client_id uuid NOT NULL,
      day integer NOT NULL,
      cost_micros bigint NOT NULL,
      at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX clicks_by_campaign ON clicks (campaign_id)`
  yield* sql`
    CREATE TABLE ml_scores (
      client_id uuid NOT NULL,
      advertiser_id uuid NOT NULL,
      score integer NOT NULL CHECK (score >= 0),
      updated_at bigint NOT NULL,
      PRIMARY KEY (client_id, advertiser_id)
    )`
})

// Nothing reads the ledger by campaign (statistics come from ClickHouse, limits from Redis), and
// each index costs PostgreSQL a B-tree insert per event on the pipeline's busiest write.
const ledgerWithoutCampaignIndexes = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DROP INDEX IF EXISTS impressions_by_campaign`
  yield* sql`DROP INDEX IF EXISTS clicks_by_campaign`
})

/** Every migration, by id and name, in the order they apply. */
export const migrations = {
  "1_master_data": masterData,
  "2_ledger": ledger,
  "3_ledger_without_campaign_indexes": ledgerWithoutCampaignIndexes,
} as const

/** Brings the database up to date; answers the migrations it applied (none when already current). */
export const migrate = Migrator.make({})({ loader: Migrator.fromRecord(migrations) })

/** Runs `migrate` when the layer is built, so a service starts only on a current schema. */
export const layer = Layer.effectDiscard(migrate)
