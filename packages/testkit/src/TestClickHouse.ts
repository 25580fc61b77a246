import { ClickHouse } from "@adflow/analytics"
import { Effect, Layer } from "effect"
import { StackUrls } from "./StackUrls.js"
import { TestNamespace } from "./TestNamespace.js"

/** A ClickHouse client on a database of the test file's own, dropped afterwards. */
export const layer = Layer.scoped(
  ClickHouse,
  Effect.gen(function* () {
    const { id } = yield* TestNamespace
    const urls = yield* StackUrls
    const ch = yield* ClickHouse.make({ url: urls.clickhouse, database: id })
    yield* Effect.acquireRelease(
      Effect.promise(() => ch.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${id}` })),
      () =>
        Effect.promise(() => ch.client.command({ query: `DROP DATABASE IF EXISTS ${id}` })).pipe(
          Effect.ignore,
        ),
    )
    return ch
  }),
)
