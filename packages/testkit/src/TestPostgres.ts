import { PgDatabase } from "@adflow/store"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { StackUrls } from "./StackUrls.js"
import { TestNamespace } from "./TestNamespace.js"

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

// Runs one statement on the server's maintenance database, over a connection of its own.
const admin = (url: string, statement: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(statement)
  }).pipe(Effect.provide(PgDatabase.layer({ url, maxConnections: 1 })), Effect.scoped, Effect.orDie)

/** A PgClient on a database of the test file's own, dropped afterwards. */
export const layer = Layer.unwrapScoped(
  Effect.gen(function* () {
    const { id } = yield* TestNamespace
    const urls = yield* StackUrls
    yield* Effect.acquireRelease(admin(urls.postgres, `CREATE DATABASE ${id}`), () =>
      admin(urls.postgres, `DROP DATABASE IF EXISTS ${id} WITH (FORCE)`).pipe(Effect.ignore),
    )
    return PgDatabase.layer({ url: withDatabase(urls.postgres, id), maxConnections: 5 })
  }),
)
