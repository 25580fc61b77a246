import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, TestClock } from "effect"
import * as GroupCommit from "../src/GroupCommit.js"

/** A write that records each group's rows, failing on a row named "bad". */
const recordingWrite = () => {
  const calls: Array<ReadonlyArray<string>> = []
  const write = (shares: ReadonlyArray<ReadonlyArray<string>>) =>
    Effect.suspend(() => {
      const rows = shares.flat()
      calls.push(rows)
      return rows.includes("bad") ? Effect.fail("rejected" as const) : Effect.void
    })
  return { calls, write }
}

describe("GroupCommit", () => {
  it.scoped(
    "writes the shares of callers waiting together as one write, and each caller returns after it",
    () =>
      Effect.gen(function* () {
        const { calls, write } = recordingWrite()
        const submit = yield* GroupCommit.make(write, {
          complete: (callers) => callers === 3,
          linger: "1 hour",
        })
        yield* Effect.all([submit(["a", "b"]), submit(["c", "d"]), submit(["e", "f"])], {
          concurrency: "unbounded",
        })
        assert.strictEqual(calls.length, 1)
        assert.deepStrictEqual([...calls[0]!].sort(), ["a", "b", "c", "d", "e", "f"])
      }),
  )

  it.scoped("a group that is not complete goes when its first caller has waited the linger, not before", () =>
    Effect.gen(function* () {
      const { calls, write } = recordingWrite()
      const submit = yield* GroupCommit.make(write, { complete: () => false, linger: "20 millis" })
      const fiber = yield* Effect.fork(submit(["a"]))
      yield* TestClock.adjust("19 millis")
      assert.strictEqual(calls.length, 0)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(calls, [["a"]])
    }),
  )

  it.scoped("a complete group goes at once", () =>
    Effect.gen(function* () {
      const { calls, write } = recordingWrite()
      const submit = yield* GroupCommit.make(write, { complete: () => true, linger: "1 hour" })
      yield* submit(["a"])
      yield* submit(["b"])
      assert.deepStrictEqual(calls, [["a"], ["b"]])
    }),
  )

  it.scoped("a failed write fails every caller in its group, and the next group is written on its own", () =>
    Effect.gen(function* () {
      const { calls, write } = recordingWrite()
      const submit = yield* GroupCommit.make(write, {
        complete: (callers) => callers === 3,
        linger: "1 hour",
      })
      const results = yield* Effect.all([submit(["a"]), submit(["bad"]), submit(["c"])].map(Effect.exit), {
        concurrency: "unbounded",
      })
      assert.deepStrictEqual(
        results,
        Array.from({ length: 3 }, () => Exit.fail("rejected" as const)),
      )
      const later = yield* Effect.all([submit(["d", "e"]), submit(["f"]), submit(["g"])].map(Effect.exit), {
        concurrency: "unbounded",
      })
      assert.deepStrictEqual(later, [Exit.void, Exit.void, Exit.void])
      assert.strictEqual(calls.length, 2)
    }),
  )

  it.scoped("callers that arrive while a group is being written wait for the next group", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      const release = yield* Deferred.make<void>()
      const write = (shares: ReadonlyArray<ReadonlyArray<string>>) =>
        Effect.suspend(() => {
          calls.push(shares.flat())
          return calls.length === 1 ? Deferred.await(release) : Effect.void
        })
      const submit = yield* GroupCommit.make(write, { complete: () => true, linger: "1 hour" })
      const first = yield* Effect.fork(submit(["a"]))
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(submit(["b"]))
      yield* Effect.yieldNow()
      assert.deepStrictEqual(calls, [["a"]])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      assert.deepStrictEqual(calls, [["a"], ["b"]])
    }),
  )
})
