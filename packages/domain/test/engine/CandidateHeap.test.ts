import { Engine } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"

const { CandidateHeap } = Engine.CandidateHeap

const candidates = fc.array(
  fc.record({ value: fc.integer({ min: -5, max: 5 }), seen: fc.boolean(), inHeap: fc.boolean() }),
  { maxLength: 60 },
)

/** The engine's order written as a sort: unseen first, then higher value, then position. */
const sorted = (items: ReadonlyArray<{ value: number; seen: boolean }>, positions: ReadonlyArray<number>) =>
  [...positions].sort(
    (a, b) => Number(items[a]!.seen) - Number(items[b]!.seen) || items[b]!.value - items[a]!.value || a - b,
  )

const fill = (items: ReadonlyArray<{ value: number; seen: boolean }>) => {
  const heap = new CandidateHeap(items.length)
  items.forEach(({ value, seen }, i) => {
    heap.values[i] = value
    heap.seen[i] = seen ? 1 : 0
  })
  return heap
}

const drain = (heap: InstanceType<typeof CandidateHeap>) => {
  const out: Array<number> = []
  for (let i = heap.pop(); i !== undefined; i = heap.pop()) out.push(i)
  return out
}

describe("CandidateHeap", () => {
  it("add + heapify, then pop, gives the engine's order (ties by position)", () =>
    fc.assert(
      fc.property(candidates, (items) => {
        const heap = fill(items)
        const positions = items.flatMap((item, i) => (item.inHeap ? [i] : []))
        for (const i of positions) heap.add(i)
        heap.heapify()
        assert.strictEqual(heap.size, positions.length)
        assert.deepStrictEqual(drain(heap), sorted(items, positions))
        assert.strictEqual(heap.pop(), undefined)
      }),
    ))

  it("push keeps the order whenever positions are pushed, even between pops", () =>
    fc.assert(
      fc.property(candidates, (items) => {
        const heap = fill(items)
        const half = Math.floor(items.length / 2)
        for (let i = 0; i < half; i++) heap.push(i)
        const first = heap.pop()
        for (let i = half; i < items.length; i++) heap.push(i)
        const rest = drain(heap)
        const all = items.map((_, i) => i)
        if (first === undefined) assert.deepStrictEqual(rest, sorted(items, all))
        else {
          assert.strictEqual(first, sorted(items, all.slice(0, half))[0])
          assert.deepStrictEqual(
            rest,
            sorted(
              items,
              all.filter((i) => i !== first),
            ),
          )
        }
      }),
    ))
})
