import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, TestClock } from "effect"
import * as GroupCommit from "../src/GroupCommit.js"

/** A write that records each call's rows, failing on a row named "bad". */
const recordingWrite = () => {
  const calls: Array<ReadonlyArray<string>> = []
  const write = (rows: ReadonlyArray<string>) =>
    Effect.suspend(() => {
      calls.push(rows)
      return rows.includes("bad") ? Effect.fail("rejected" as const) : Effect.void
    })
  return { calls, write }
}

describe("GroupCommit", () => {
  it.scoped(
    "writes the rows of callers waiting together as one write, and each caller returns after it",
    () =>
      Effect.gen(function* () {
        const { calls, write } = recordingWrite()
        const grouped = yield* GroupCommit.make(write, { minRows: 6, linger: "1 hour" })
        yield* Effect.all([grouped(["a", "b"]), grouped(["c", "d"]), grouped(["e", "f"])], {
          concurrency: "unbounded",
        })
        assert.deepStrictEqual(calls.length, 1)
        assert.deepStrictEqual([...calls[0]!].sort(), ["a", "b", "c", "d", "e", "f"])
      }),
  )

  it.scoped("a caller alone is not written before the linger has passed, then is", () =>
    Effect.gen(function* () {
      const { calls, write } = recordingWrite()
      const grouped = yield* GroupCommit.make(write, { minRows: 100, linger: "20 millis" })
      const fiber = yield* Effect.fork(grouped(["a"]))
      yield* TestClock.adjust("19 millis")
      assert.strictEqual(calls.length, 0)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(calls, [["a"]])
    }),
  )

  it.scoped("a failed write fails every caller in its group, and the next group is written on its own", () =>
    Effect.gen(function* () {
      const { calls, write } = recordingWrite()
      const grouped = yield* GroupCommit.make(write, { minRows: 3, linger: "1 hour" })
      const results = yield* Effect.all([grouped(["a"]), grouped(["bad"]), grouped(["c"])].map(Effect.exit), {
        concurrency: "unbounded",
      })
      assert.deepStrictEqual(results, [...Array.from({ length: 3 }, () => Exit.fail("rejected" as const))])
      const later = yield* Effect.all([grouped(["d", "e"]), grouped(["f"])].map(Effect.exit), {
        concurrency: "unbounded",
      })
      assert.deepStrictEqual(later, [Exit.void, Exit.void])
      assert.strictEqual(calls.length, 2)
    }),
  )

  it.scoped("callers that arrive while a group is being written wait for the next group", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      const release = yield* Deferred.make<void>()
      const write = (rows: ReadonlyArray<string>) =>
        Effect.suspend(() => {
          calls.push(rows)
          return calls.length === 1 ? Deferred.await(release) : Effect.void
        })
      const grouped = yield* GroupCommit.make(write, { minRows: 1, linger: "1 hour" })
      const first = yield* Effect.fork(grouped(["a"]))
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(grouped(["b"]))
      yield* Effect.yieldNow()
      assert.deepStrictEqual(calls, [["a"]])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      assert.deepStrictEqual(calls, [["a"], ["b"]])
    }),
  )

  it.scoped("an empty submission writes nothing", () =>
    Effect.gen(function* () {
      const { calls, write } = recordingWrite()
      const grouped = yield* GroupCommit.make(write, { minRows: 1, linger: "1 hour" })
      yield* grouped([])
      assert.strictEqual(calls.length, 0)
    }),
  )
})
