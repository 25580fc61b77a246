import { AnalyticsMigrations } from "@adflow/analytics"
import { Provisioning } from "@adflow/bus"
import { StoreMigrations } from "@adflow/store"
import { Effect, Layer } from "effect"
import * as TestStack from "./TestStack.js"

/**
 * The test stack with adflow's schema in place: PostgreSQL and ClickHouse migrated and the
 * JetStream streams and consumers provisioned, all in the test file's namespace.
 */
export const layer = Layer.effectDiscard(
  Effect.all([StoreMigrations.migrate, AnalyticsMigrations.run, Provisioning.provision()], {
    discard: true,
  }).pipe(Effect.orDie),
).pipe(Layer.provideMerge(TestStack.layer))
