import { Config } from "effect"

export const ApiConfig = Config.all({
  port: Config.port("ADFLOW_PORT").pipe(Config.withDefault(8080)),
  host: Config.string("ADFLOW_HOST").pipe(Config.withDefault("0.0.0.0")),
  logRequests: Config.boolean("ADFLOW_LOG_REQUESTS").pipe(Config.withDefault(true)),
})
