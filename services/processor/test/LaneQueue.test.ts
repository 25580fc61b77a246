import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { LaneQueue } from "../src/LaneQueue.js"

describe("LaneQueue", () => {
  it("hands out items oldest first, at most the number asked for, each once, while more arrive", () => {
    const queue = new LaneQueue<number>()
    let next = 0
    for (let i = 0; i < 10_000; i++) queue.offer(next++)
    const taken: Array<number> = []
    while (taken.length < 20_000) {
      const batch = queue.takeUpTo(999)
      assert.isAtMost(batch.length, 999)
      taken.push(...batch)
      for (let i = 0; i < 500 && next < 20_000; i++) queue.offer(next++)
    }
    assert.deepStrictEqual(
      taken,
      Array.from({ length: 20_000 }, (_, i) => i),
    )
    assert.strictEqual(queue.size, 0)
    assert.deepStrictEqual(queue.takeUpTo(5), [])
  })

  it.effect("wakes the fiber waiting for items when one is offered", () =>
    Effect.gen(function* () {
      const queue = new LaneQueue<string>()
      const waiter = yield* Effect.fork(
        Effect.zipRight(
          queue.awaitItems,
          Effect.sync(() => queue.takeAll()),
        ),
      )
      yield* Effect.yieldNow()
      assert.isNull(
        yield* Fiber.poll(waiter).pipe(Effect.map((exit) => (exit._tag === "Some" ? exit : null))),
      )
      queue.offer("a")
      queue.offer("b")
      assert.deepStrictEqual(yield* Fiber.join(waiter), ["a", "b"])
      // Items already there: no wait.
      queue.offer("c")
      yield* queue.awaitItems
      assert.deepStrictEqual(queue.takeAll(), ["c"])
    }),
  )

  it.effect("wake ends a wait with no item, and does nothing when no one waits", () =>
    Effect.gen(function* () {
      const queue = new LaneQueue<string>()
      queue.wake()
      const waiter = yield* Effect.fork(queue.awaitItems)
      yield* Effect.yieldNow()
      assert.isTrue(Option.isNone(yield* Fiber.poll(waiter)))
      queue.wake()
      yield* Fiber.join(waiter)
      assert.strictEqual(queue.size, 0)
    }),
  )

  it.effect("an interrupted wait leaves nothing behind: the next offer is kept for the next taker", () =>
    Effect.gen(function* () {
      const queue = new LaneQueue<string>()
      const waiter = yield* Effect.fork(queue.awaitItems)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(waiter)
      queue.offer("a")
      assert.strictEqual(queue.size, 1)
      yield* queue.awaitItems
      assert.deepStrictEqual(queue.takeUpTo(10), ["a"])
    }),
  )
})
