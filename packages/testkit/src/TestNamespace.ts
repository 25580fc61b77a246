import { randomBytes } from "node:crypto"
import { Context, Layer } from "effect"

/**
 * The name that isolates one test file on the shared stack: its PostgreSQL and ClickHouse
 * database, its Redis key prefix and its NATS stream and subject prefix all derive from it.
 * A lower-case letter first and only [a-z0-9_] after, so it is valid in all four servers.
 */
export class TestNamespace extends Context.Tag("@adflow/testkit/TestNamespace")<
  TestNamespace,
  { readonly id: string }
>() {
  static readonly make = (): string => `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`

  static readonly layer = Layer.sync(TestNamespace, () => ({ id: TestNamespace.make() }))
}
