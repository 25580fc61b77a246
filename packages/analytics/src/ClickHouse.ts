import { createClient, type ClickHouseClient } from "@clickhouse/client"
import { Config, Context, Effect, Layer } from "effect"

export interface ClickHouseOptions {
  readonly url: string
  /** The database holding adflow's tables; the testkit varies it per test file. */
  readonly database: string
}

/** One @clickhouse/client (HTTP, keep-alive pool), closed when its scope closes. */
export class ClickHouse extends Context.Tag("@adflow/analytics/ClickHouse")<
  ClickHouse,
  { readonly client: ClickHouseClient; readonly database: string }
>() {
  static readonly make = (options: ClickHouseOptions) =>
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() =>
          createClient({
            url: options.url,
            // ClickHouse 18.16 knows no newer settings, so we send none by default.
            clickhouse_settings: {},
            request_timeout: 30_000,
          }),
        ),
        (client) => Effect.promise(() => client.close()),
      ),
      (client) => ({ client, database: options.database }),
    )

  static readonly layer = (options: ClickHouseOptions) => Layer.scoped(ClickHouse, ClickHouse.make(options))

  static readonly layerConfig = Layer.unwrapEffect(
    Effect.gen(function* () {
      const url = yield* Config.string("ADFLOW_CLICKHOUSE_URL").pipe(
        Config.withDefault("http://127.0.0.1:18123"),
      )
      const database = yield* Config.string("ADFLOW_CLICKHOUSE_DATABASE").pipe(Config.withDefault("adflow"))
      return ClickHouse.layer({ url, database })
    }),
  )
}
