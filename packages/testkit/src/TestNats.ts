import { NatsClient, Naming } from "@adflow/bus"
import { Effect, Layer } from "effect"
import { StackUrls } from "./StackUrls.js"
import { TestNamespace } from "./TestNamespace.js"

/** A NatsClient whose prefix is the test file's namespace; its streams are deleted afterwards. */
export const layer = Layer.scoped(
  NatsClient,
  Effect.gen(function* () {
    const { id } = yield* TestNamespace
    const urls = yield* StackUrls
    const client = yield* NatsClient.make({ url: urls.nats, prefix: id, name: `adflow-test-${id}` })
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        const mine = Naming.streamPrefix(id) + "_"
        for await (const name of client.manager.streams.names()) {
          if (name.startsWith(mine)) await client.manager.streams.delete(name).catch(() => false)
        }
      }).pipe(Effect.ignore),
    )
    return client
  }),
)
