import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Prng } from "../../src/simulate/Prng.js"

const draws = (prng: Prng, n: number) => Array.from({ length: n }, () => prng.next())

describe("Prng", () => {
  it.prop("a seed reproduces the same sequence", [fc.integer({ min: 0, max: 2 ** 32 - 1 })], ([seed]) => {
    assert.deepStrictEqual(draws(new Prng(seed), 50), draws(new Prng(seed), 50))
  })

  it("different seeds give different sequences", () => {
    assert.notDeepEqual(draws(new Prng(1), 10), draws(new Prng(2), 10))
  })

  it.prop(
    "next is in [0, 1) and int stays within its inclusive bounds",
    [fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 })],
    ([seed, min, width]) => {
      const prng = new Prng(seed)
      for (let i = 0; i < 100; i++) {
        const x = prng.next()
        assert.isTrue(x >= 0 && x < 1)
        const n = prng.int(min, min + width)
        assert.isTrue(Number.isInteger(n) && n >= min && n <= min + width)
      }
    },
  )

  it("int reaches both ends of a small range", () => {
    const prng = new Prng(7)
    const seen = new Set(Array.from({ length: 200 }, () => prng.int(0, 2)))
    assert.deepStrictEqual([...seen].sort(), [0, 1, 2])
  })

  it.prop("cents are whole cents within bounds", [fc.integer()], ([seed]) => {
    const prng = new Prng(seed)
    for (let i = 0; i < 50; i++) {
      const price = prng.cents(0, 40)
      assert.isTrue(price >= 0 && price <= 40)
      assert.strictEqual(Math.round(price * 100) / 100, price)
    }
  })

  it.prop("shuffle is a permutation", [fc.integer(), fc.array(fc.integer())], ([seed, items]) => {
    const shuffled = new Prng(seed).shuffle(items)
    assert.deepStrictEqual([...shuffled].sort(), [...items].sort())
  })

  it.prop("uuids are lower-case version-4 UUIDs", [fc.integer()], ([seed]) => {
    const id = new Prng(seed).uuid()
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it("pick refuses an empty list", () => {
    assert.throws(() => new Prng(1).pick([]))
  })
})
