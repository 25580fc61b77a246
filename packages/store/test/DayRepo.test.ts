import { Day } from "@adflow/domain"
import { StackUrls, TestNamespace } from "@adflow/testkit"
import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import { DayRepo, PgDatabase } from "../src/index.js"
import { StoreTest } from "./support.js"

// The same database through a pool of its own: what a restarted service would see.
const readAfterRestart = Effect.gen(function* () {
  const { id } = yield* TestNamespace
  const urls = yield* StackUrls
  const url = new URL(urls.postgres)
  url.pathname = `/${id}`
  return yield* Effect.flatMap(DayRepo, (days) => days.get()).pipe(
    Effect.provide(DayRepo.Default),
    Effect.provide(PgDatabase.layer({ url: url.toString(), maxConnections: 1 })),
  )
})

it.layer(StoreTest)("DayRepo", (it) => {
  it.effect("starts at day 0, stores any non-negative day and keeps it across restarts", () =>
    Effect.gen(function* () {
      const days = yield* DayRepo
      assert.strictEqual(yield* days.get(), 0)
      assert.strictEqual(yield* days.set(Day.make(5)), 5)
      assert.strictEqual(yield* days.get(), 5)
      assert.strictEqual(yield* readAfterRestart, 5)
      // A user may move the day back.
      assert.strictEqual(yield* days.set(Day.make(2)), 2)
      assert.strictEqual(yield* readAfterRestart, 2)
    }),
  )

  it.effect("refuses a negative day", () =>
    Effect.gen(function* () {
      const days = yield* DayRepo
      const before = yield* days.get()
      const error = yield* Effect.flip(days.set(-1 as Day))
      assert.strictEqual(error._tag, "ConstraintViolation")
      assert.strictEqual(yield* days.get(), before)
    }),
  )
})
