import { Money } from "@adflow/domain"
import { SqlClient } from "@effect/sql"
import { assert, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { Ledger } from "../src/index.js"
import { click, impression, newAdvertiserId, newCampaignId, newClientId, StoreTest } from "./support.js"

const countRows = (table: "impressions" | "clicks", campaignId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{
      n: number
    }>`SELECT count(*)::integer AS n FROM ${sql(table)} WHERE campaign_id = ${campaignId}`.pipe(
      Effect.map((rows) => rows[0]?.n ?? 0),
    ),
  )

it.layer(StoreTest)("Ledger", (it) => {
  it.effect("records each impression once across duplicate, overlapping and repeated batches", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const campaign_id = newCampaignId()
      const advertiser_id = newAdvertiserId()
      const events = Array.from({ length: 6 }, () =>
        impression({ campaign_id, advertiser_id, client_id: newClientId() }),
      )
      const batch = (...indexes: Array<number>) => indexes.map((i) => events[i]!)

      assert.strictEqual(yield* ledger.insertImpressions(batch(0, 1, 0, 2)), 3)
      assert.strictEqual(yield* ledger.insertImpressions(batch(0, 1, 2)), 0)
      assert.strictEqual(yield* ledger.insertImpressions(batch(2, 3, 4, 3)), 2)
      assert.strictEqual(yield* ledger.insertImpressions(batch(5, 0, 5)), 1)
      assert.strictEqual(yield* ledger.insertImpressions([]), 0)
      assert.strictEqual(yield* countRows("impressions", campaign_id), 6)
    }),
  )

  it.effect("records each click once across duplicate and repeated batches", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const campaign_id = newCampaignId()
      const advertiser_id = newAdvertiserId()
      const events = Array.from({ length: 3 }, () =>
        click({ campaign_id, advertiser_id, client_id: newClientId() }),
      )
      const batch = (...indexes: Array<number>) => indexes.map((i) => events[i]!)
      assert.strictEqual(yield* ledger.insertClicks(batch(0, 0, 1)), 2)
      assert.strictEqual(yield* ledger.insertClicks(batch(1, 2, 0)), 1)
      assert.strictEqual(yield* ledger.insertClicks([]), 0)
      assert.strictEqual(yield* countRows("clicks", campaign_id), 3)
    }),
  )

  it.effect("stores the charge in micro-units, the score, the day and the exact millisecond", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const sql = yield* SqlClient.SqlClient
      const campaign_id = newCampaignId()
      const advertiser_id = newAdvertiserId()
      const client_id = newClientId()
      const at = 1_712_345_678_901
      yield* ledger.insertImpressions([
        impression({ campaign_id, advertiser_id, client_id, cost: 0.1234567, score: 42, day: 7, at }),
      ])
      yield* ledger.insertClicks([
        click({ campaign_id, advertiser_id, client_id, cost: 1.000001, day: 8, at: at + 1 }),
      ])

      const [imp] = yield* sql<{
        cost: string
        score: number
        day: number
        at_ms: string
        client_id: string
      }>`
        SELECT cost_micros::text AS cost, score, day, (extract(epoch FROM at) * 1000)::bigint::text AS at_ms, client_id
        FROM impressions WHERE campaign_id = ${campaign_id}`
      assert.deepStrictEqual(imp, {
        cost: String(Money.fromPrice(0.1234567)),
        score: 42,
        day: 7,
        at_ms: String(at),
        client_id,
      })
      assert.strictEqual(Money.fromPrice(0.1234567), 123457)
      const [clk] = yield* sql<{ cost: string; day: number; at_ms: string }>`
        SELECT cost_micros::text AS cost, day, (extract(epoch FROM at) * 1000)::bigint::text AS at_ms
        FROM clicks WHERE campaign_id = ${campaign_id}`
      assert.deepStrictEqual(clk, { cost: "1000001", day: 8, at_ms: String(at + 1) })
    }),
  )

  it.effect("writes a batch of 10,000 impressions with one statement", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const sql = yield* SqlClient.SqlClient
      // A statement-level trigger fires once per INSERT statement, however many rows it writes.
      yield* sql`CREATE TABLE insert_statements (n integer NOT NULL)`
      yield* sql`INSERT INTO insert_statements VALUES (0)`
      yield* sql.unsafe(`
        CREATE FUNCTION count_insert_statement() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE insert_statements SET n = n + 1; RETURN NULL; END $$`)
      yield* sql`
        CREATE TRIGGER impressions_statements AFTER INSERT ON impressions
        FOR EACH STATEMENT EXECUTE FUNCTION count_insert_statement()`

      const campaign_id = newCampaignId()
      const advertiser_id = newAdvertiserId()
      const events = Array.from({ length: 10_000 }, (_, i) =>
        impression({ campaign_id, advertiser_id, client_id: newClientId(), score: i, cost: i / 1000 }),
      )
      assert.strictEqual(yield* ledger.insertImpressions(events), 10_000)
      const [statements] = yield* sql<{ n: number }>`SELECT n FROM insert_statements`
      assert.strictEqual(statements?.n, 1)
      assert.strictEqual(yield* countRows("impressions", campaign_id), 10_000)
      const [total] = yield* sql<{ total: string }>`
        SELECT sum(cost_micros)::text AS total FROM impressions WHERE campaign_id = ${campaign_id}`
      assert.strictEqual(total?.total, String(Money.sum(events.map((e) => Money.fromPrice(e.cost)))))

      yield* sql`DROP TRIGGER impressions_statements ON impressions`
    }),
  )

  it.effect.prop(
    "any sequence of batches over a pool of events inserts each distinct event exactly once",
    { batches: fc.array(fc.array(fc.nat({ max: 29 }), { maxLength: 40 }), { minLength: 1, maxLength: 6 }) },
    ({ batches }) =>
      Effect.gen(function* () {
        const ledger = yield* Ledger
        const campaign_id = newCampaignId()
        const advertiser_id = newAdvertiserId()
        const pool = Array.from({ length: 30 }, () =>
          impression({ campaign_id, advertiser_id, client_id: newClientId() }),
        )
        let inserted = 0
        for (const batch of batches) {
          inserted += yield* ledger.insertImpressions(batch.map((i) => pool[i]!))
        }
        const distinct = new Set(batches.flat()).size
        assert.strictEqual(inserted, distinct)
        assert.strictEqual(yield* countRows("impressions", campaign_id), distinct)
      }),
    { fastCheck: { numRuns: 25 } },
  )

  it.effect(
    "lets concurrent batches of the same events, in opposite orders, insert each one once without deadlocking",
    () =>
      Effect.gen(function* () {
        const ledger = yield* Ledger
        const campaign_id = newCampaignId()
        const advertiser_id = newAdvertiserId()
        const pool = Array.from({ length: 2000 }, () =>
          impression({ campaign_id, advertiser_id, client_id: newClientId() }),
        )
        const counts = yield* Effect.all(
          [
            ledger.insertImpressions(pool),
            ledger.insertImpressions([...pool].reverse()),
            ledger.insertImpressions(pool.slice(500)),
            ledger.insertImpressions(pool.slice(0, 1500).reverse()),
          ],
          { concurrency: "unbounded" },
        )
        assert.strictEqual(
          counts.reduce((a, b) => a + b, 0),
          2000,
        )
        assert.strictEqual(yield* countRows("impressions", campaign_id), 2000)
      }),
  )

  it.effect("fails a batch holding a value its column cannot hold, writing none of it", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger
      const campaign_id = newCampaignId()
      const advertiser_id = newAdvertiserId()
      const good = impression({ campaign_id, advertiser_id, client_id: newClientId() })
      const bad = {
        ...impression({ campaign_id, advertiser_id, client_id: newClientId() }),
        client_id: "not-a-uuid",
      }
      const error = yield* Effect.flip(ledger.insertImpressions([good, bad as typeof good]))
      assert.strictEqual(error._tag, "SqlError")
      assert.include(error.message, '"not-a-uuid"')
      assert.strictEqual(yield* countRows("impressions", campaign_id), 0)
    }),
  )
})
