import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { inInputOrder, lastWinsBy, latestScorePerPair, sortedBy } from "../src/Batches.js"
import { newAdvertiserId, newClientId, scoreUpdate } from "./support.js"

const keyed = fc.array(fc.record({ key: fc.constantFrom("a", "b", "c", "d", "e"), value: fc.nat() }), {
  maxLength: 30,
})

describe("Batches", () => {
  it("lastWinsBy keeps each key once, at its first position, with its last value", () =>
    fc.assert(
      fc.property(keyed, (rows) => {
        const out = lastWinsBy(rows, (r) => r.key)
        const firstSeen = [...new Set(rows.map((r) => r.key))]
        assert.deepStrictEqual(
          out.map((r) => r.key),
          firstSeen,
        )
        for (const row of out) {
          assert.strictEqual(row, rows.filter((r) => r.key === row.key).at(-1))
        }
      }),
    ))

  it("sortedBy orders by key without touching the input", () =>
    fc.assert(
      fc.property(keyed, (rows) => {
        const before = [...rows]
        const out = sortedBy(rows, (r) => r.key)
        assert.deepStrictEqual(rows, before)
        assert.strictEqual(out.length, rows.length)
        for (let i = 1; i < out.length; i++) assert.isTrue(out[i - 1]!.key <= out[i]!.key)
      }),
    ))

  it("inInputOrder follows the wanted order whatever order the database answered in", () =>
    fc.assert(
      fc.property(keyed, fc.nat(), (rows, seed) => {
        const wanted = lastWinsBy(rows, (r) => r.key)
        const stored = wanted
          .map((r) => ({ ...r }))
          .sort((a, b) => ((a.value ^ seed) % 7) - ((b.value ^ seed) % 7))
        assert.deepStrictEqual(
          inInputOrder(wanted, stored, (r) => r.key),
          wanted,
        )
      }),
    ))

  it("latestScorePerPair keeps one update per pair: the greatest `at`, the later one on a tie", () => {
    const clients = [newClientId(), newClientId()]
    const advertisers = [newAdvertiserId(), newAdvertiserId()]
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            c: fc.nat({ max: 1 }),
            a: fc.nat({ max: 1 }),
            score: fc.nat({ max: 9 }),
            at: fc.nat({ max: 5 }),
          }),
          { maxLength: 30 },
        ),
        (raw) => {
          const updates = raw.map((u) => scoreUpdate(clients[u.c]!, advertisers[u.a]!, u.score, u.at))
          const out = latestScorePerPair(updates)
          const pairs = new Set(updates.map((u) => `${u.client_id}:${u.advertiser_id}`))
          assert.strictEqual(out.length, pairs.size)
          for (const kept of out) {
            const same = updates.filter(
              (u) => u.client_id === kept.client_id && u.advertiser_id === kept.advertiser_id,
            )
            const latest = Math.max(...same.map((u) => u.at))
            assert.strictEqual(kept, same.filter((u) => u.at === latest).at(-1))
          }
        },
      ),
    )
  })
})
