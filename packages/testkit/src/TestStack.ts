import { Layer } from "effect"
import * as TestClickHouse from "./TestClickHouse.js"
import * as TestNats from "./TestNats.js"
import { TestNamespace } from "./TestNamespace.js"
import * as TestPostgres from "./TestPostgres.js"
import * as TestRedis from "./TestRedis.js"

/**
 * Every server of the local stack, isolated for one test file under one fresh namespace.
 * Use it once per file (`it.layer(TestStack.layer)`) so all four share that namespace.
 */
export const layer = Layer.mergeAll(
  TestNats.layer,
  TestRedis.layer,
  TestPostgres.layer,
  TestClickHouse.layer,
).pipe(Layer.provideMerge(TestNamespace.layer))
