import { AnalyticsMigrations } from "@adflow/analytics"
import { Provisioning } from "@adflow/bus"
import {
  AdvertiserId,
  Api,
  type Campaign,
  CampaignId,
  ClientId,
  type Client,
  Day,
  Targeting,
} from "@adflow/domain"
import { ProcessorLive } from "@adflow/processor"
import { StoreMigrations } from "@adflow/store"
import { TestStack } from "@adflow/testkit"
import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import * as ApiServer from "../src/ApiServer.js"
import * as NodeServer from "../src/NodeServer.js"

/** Every store at the current schema, streams and consumers provisioned. */
export const Migrated = Layer.effectDiscard(
  Effect.all([StoreMigrations.migrate, AnalyticsMigrations.run, Provisioning.provision()], { discard: true }),
)

/**
 * The API served in process on a free port, over the test file's own namespace on the shared
 * stack; with the event processor running behind it when `processor` is set (statistics).
 */
export const apiLayer = (options: { readonly processor: boolean }) =>
  (options.processor
    ? Layer.merge(ApiServer.layer({ logRequests: false }), ProcessorLive)
    : ApiServer.layer({ logRequests: false })
  ).pipe(
    Layer.provide(Migrated),
    Layer.provideMerge(NodeServer.layerTest),
    Layer.provideMerge(TestStack.layer),
  )

export const api = HttpApiClient.make(Api.AdflowApi)

/** A raw request, for what the typed client cannot send; answers the status and the parsed body. */
export const raw = (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: string | unknown) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    let request = HttpClientRequest.make(method)(path)
    if (body !== undefined)
      request = HttpClientRequest.bodyText(
        request,
        typeof body === "string" ? body : JSON.stringify(body),
        "application/json",
      )
    const response = yield* http.execute(request)
    const text = yield* response.text
    const json = (response.headers["content-type"] ?? "").includes("json") && text !== ""
    return { status: response.status, body: json ? (JSON.parse(text) as unknown) : undefined, text }
  }).pipe(Effect.scoped, Effect.orDie)

export const clientId = () => ClientId.make(randomUUID())
export const advertiserId = () => AdvertiserId.make(randomUUID())
export const campaignId = () => CampaignId.make(randomUUID())
export const day = (n: number) => Day.make(n)

export const client = (overrides: Partial<Client.Client> = {}): Client.Client => ({
  client_id: clientId(),
  login: "login",
  age: 30,
  location: "Moscow",
  gender: "MALE",
  ...overrides,
})

export const campaign = (overrides: Partial<Campaign.CampaignCreate> = {}): Campaign.CampaignCreate => ({
  impressions_limit: 100,
  clicks_limit: 10,
  cost_per_impression: 1,
  cost_per_click: 5,
  ad_title: "Title",
  ad_text: "Text",
  start_date: day(0),
  end_date: day(1000),
  targeting: Targeting.none,
  ...overrides,
})

/** Sets the day, registers one advertiser and answers its id. */
export const setup = (today: number) =>
  Effect.gen(function* () {
    const client = yield* api
    yield* client.time.advanceDay({ payload: { current_date: day(today) } })
    const advertiser = advertiserId()
    yield* client.advertisers.upsertAdvertisers({ payload: [{ advertiser_id: advertiser, name: "Acme" }] })
    return advertiser
  })

export const createCampaign = (advertiser: AdvertiserId, overrides: Partial<Campaign.CampaignCreate> = {}) =>
  Effect.flatMap(api, (client) =>
    client.campaigns.createCampaign({ path: { advertiserId: advertiser }, payload: campaign(overrides) }),
  )

export const registerClients = (clients: ReadonlyArray<Client.Client>) =>
  Effect.flatMap(api, (client) => client.clients.upsertClients({ payload: clients }))
