import { DayRepo, PgDatabase } from "@adflow/store"
import { Config, Data, Effect, Layer } from "effect"
import * as Args from "./Args.js"
import type { Command } from "./Command.js"

export class SeedFailed extends Data.TaggedError("SeedFailed")<{ readonly message: string }> {}

// Fixed ids, so seeding twice upserts the same advertisers and clients instead of adding more.
const advertisers = [
  { advertiser_id: "a0000000-0000-4000-8000-000000000001", name: "Northwind Coffee" },
  { advertiser_id: "a0000000-0000-4000-8000-000000000002", name: "Contoso Bikes" },
  { advertiser_id: "a0000000-0000-4000-8000-000000000003", name: "Fabrikam Books" },
]
const locations = ["Moscow", "Kazan", "metroBelarusskaya"]
const clients = Array.from({ length: 30 }, (_, i) => ({
  client_id: `c0000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
  login: `demo${i + 1}`,
  age: 18 + ((i * 7) % 50),
  location: locations[i % locations.length]!,
  gender: i % 2 === 0 ? "MALE" : "FEMALE",
}))
const campaigns = (day: number) =>
  [
    {
      advertiser: 0,
      impressions_limit: 100,
      clicks_limit: 20,
      cost_per_impression: 0.5,
      cost_per_click: 3,
      ad_title: "Morning espresso",
      ad_text: "Two for one before ten.",
      targeting: { location: "Moscow" },
    },
    {
      advertiser: 0,
      impressions_limit: 50,
      clicks_limit: 10,
      cost_per_impression: 0.8,
      cost_per_click: 2.5,
      ad_title: "Beans by mail",
      ad_text: "Fresh roast, every week.",
      targeting: { age_from: 25, age_to: 60 },
    },
    {
      advertiser: 1,
      impressions_limit: 80,
      clicks_limit: 8,
      cost_per_impression: 1.2,
      cost_per_click: 5,
      ad_title: "City bikes",
      ad_text: "Ride to work this spring.",
      targeting: { gender: "ALL", age_from: 18, age_to: 45 },
    },
    {
      advertiser: 2,
      impressions_limit: 60,
      clicks_limit: 12,
      cost_per_impression: 0.3,
      cost_per_click: 1.5,
      ad_title: "Read more",
      ad_text: "A new book every month.",
      targeting: { gender: "FEMALE" },
    },
  ].map(({ advertiser, ...c }) => ({ advertiser, body: { ...c, start_date: day, end_date: day + 30 } }))

/** Loads a small demo market through the public API (advertisers, clients, campaigns, scores). */
export const seed = (baseUrl: string) =>
  Effect.gen(function* () {
    const call = (method: string, path: string, body?: unknown) =>
      Effect.tryPromise({
        try: async () => {
          const response = await fetch(`${baseUrl}${path}`, {
            method,
            headers: { "content-type": "application/json" },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          })
          const text = await response.text()
          if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
          return text.length > 0 ? (JSON.parse(text) as unknown) : undefined
        },
        catch: (e) => new SeedFailed({ message: e instanceof Error ? e.message : String(e) }),
      })
    yield* call("POST", "/advertisers/bulk", advertisers)
    yield* call("POST", "/clients/bulk", clients)
    // The contract has no way to read the day without setting it, so it is read where the API keeps it.
    const day = yield* (yield* DayRepo).get()
    for (const { advertiser, body } of campaigns(day)) {
      const id = advertisers[advertiser]!.advertiser_id
      const existing = (yield* call("GET", `/advertisers/${id}/campaigns?size=100&page=1`)) as ReadonlyArray<{
        ad_title: string
      }>
      if (!existing.some((c) => c.ad_title === body.ad_title))
        yield* call("POST", `/advertisers/${id}/campaigns`, body)
    }
    for (const [i, client] of clients.entries()) {
      for (const [j, advertiser] of advertisers.entries()) {
        yield* call("POST", "/ml-scores", {
          client_id: client.client_id,
          advertiser_id: advertiser.advertiser_id,
          score: (i * 31 + j * 17) % 100,
        })
      }
    }
    yield* Effect.logInfo(
      `seeded ${advertisers.length} advertisers, ${clients.length} clients, ${campaigns(day).length} campaigns and scores`,
    )
  })

export const SeedCommand: Command = {
  name: "seed",
  summary: "load a small demo market through the API (idempotent)",
  usage: "adflow seed [--url URL]",
  run: (args) =>
    Effect.gen(function* () {
      const values = yield* Args.parse(args, ["url"])
      const port = yield* Config.port("ADFLOW_PORT").pipe(Config.withDefault(8080))
      yield* seed(values.get("url") ?? `http://127.0.0.1:${port}`)
    }).pipe(Effect.provide(DayRepo.Default.pipe(Layer.provide(PgDatabase.layerConfig)))),
}
