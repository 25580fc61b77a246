import { Config } from "effect"

/**
 * Where the test stack listens. `npm test` exports these from `infra/local/stack.sh env --name test`;
 * the defaults are that instance's fixed ports, so `vitest` alone works against a stack started by
 * `npm run stack -- up --name test`.
 */
export const StackUrls = Config.all({
  nats: Config.string("ADFLOW_NATS_URL").pipe(Config.withDefault("nats://127.0.0.1:14322")),
  redis: Config.string("ADFLOW_REDIS_URL").pipe(Config.withDefault("redis://127.0.0.1:16479")),
  postgres: Config.string("ADFLOW_PG_URL").pipe(
    Config.withDefault("postgres://postgres@127.0.0.1:15532/postgres"),
  ),
  clickhouse: Config.string("ADFLOW_CLICKHOUSE_URL").pipe(Config.withDefault("http://127.0.0.1:18223")),
})
