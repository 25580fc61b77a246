import {
  type HttpApp,
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  HttpServerError,
  OpenApi,
} from "@effect/platform"
import { HttpApiDecodeError } from "@effect/platform/HttpApiError"
import { Effect, Option, Schema } from "effect"
import { Ad, AdClick, AdRequest } from "./Ad.js"
import { Advertiser, AdvertiserUpsert } from "./Advertiser.js"
import { Campaign, CampaignCreate, CampaignUpdate, ListParams } from "./Campaign.js"
import { Client, ClientUpsert } from "./Client.js"
import {
  type BadRequest,
  badRequest,
  BadRequestResponse,
  Code,
  ConflictResponse,
  fromDecodeError,
  NotFoundResponse,
  ServiceUnavailableResponse,
} from "./Errors.js"
import { AdvertiserId, CampaignId, ClientId } from "./Ids.js"
import { MLScore } from "./MlScore.js"
import { DailyStats, Stats } from "./Stats.js"
import { TimeAdvance } from "./Time.js"

/**
 * The public HTTP contract (contract/openapi.yml) as an `HttpApi`: paths, methods, parameters,
 * bodies and success statuses as there, operation ids as there, errors as in Errors.ts. Every
 * endpoint may answer 400 (`BadRequest`) and 503 (`ServiceUnavailable`).
 */

const operation = (id: string) => OpenApi.annotations({ identifier: id })

export const ClientPath = Schema.Struct({ clientId: ClientId })
export const AdvertiserPath = Schema.Struct({ advertiserId: AdvertiserId })
export const CampaignPath = Schema.Struct({ advertiserId: AdvertiserId, campaignId: CampaignId })
export const CampaignStatsPath = Schema.Struct({ campaignId: CampaignId })
export const AdPath = Schema.Struct({ adId: CampaignId })

export class ClientsGroup extends HttpApiGroup.make("clients")
  .add(
    HttpApiEndpoint.get("getClientById", "/clients/:clientId")
      .setPath(ClientPath)
      .addSuccess(Client)
      .addError(NotFoundResponse)
      .annotateContext(operation("getClientById")),
  )
  .add(
    HttpApiEndpoint.post("upsertClients", "/clients/bulk")
      .setPayload(Schema.Array(ClientUpsert))
      .addSuccess(Schema.Array(Client), { status: 201 })
      .annotateContext(operation("upsertClients")),
  )
  .annotate(OpenApi.Title, "Clients") {}

export class AdvertisersGroup extends HttpApiGroup.make("advertisers")
  .add(
    HttpApiEndpoint.get("getAdvertiserById", "/advertisers/:advertiserId")
      .setPath(AdvertiserPath)
      .addSuccess(Advertiser)
      .addError(NotFoundResponse)
      .annotateContext(operation("getAdvertiserById")),
  )
  .add(
    HttpApiEndpoint.post("upsertAdvertisers", "/advertisers/bulk")
      .setPayload(Schema.Array(AdvertiserUpsert))
      .addSuccess(Schema.Array(Advertiser), { status: 201 })
      .annotateContext(operation("upsertAdvertisers")),
  )
  .annotate(OpenApi.Title, "Advertisers") {}

export class MlScoresGroup extends HttpApiGroup.make("mlScores")
  .add(
    HttpApiEndpoint.post("upsertMLScore", "/ml-scores")
      .setPayload(MLScore)
      .addSuccess(HttpApiSchema.Empty(200))
      .annotateContext(operation("upsertMLScore")),
  )
  .annotate(OpenApi.Title, "Advertisers") {}

export class CampaignsGroup extends HttpApiGroup.make("campaigns")
  .add(
    HttpApiEndpoint.post("createCampaign", "/advertisers/:advertiserId/campaigns")
      .setPath(AdvertiserPath)
      .setPayload(CampaignCreate)
      .addSuccess(Campaign, { status: 201 })
      .addError(NotFoundResponse)
      .annotateContext(operation("createCampaign")),
  )
  .add(
    HttpApiEndpoint.get("listCampaigns", "/advertisers/:advertiserId/campaigns")
      .setPath(AdvertiserPath)
      .setUrlParams(ListParams)
      .addSuccess(Schema.Array(Campaign))
      .addError(NotFoundResponse)
      .annotateContext(operation("listCampaigns")),
  )
  .add(
    HttpApiEndpoint.get("getCampaign", "/advertisers/:advertiserId/campaigns/:campaignId")
      .setPath(CampaignPath)
      .addSuccess(Campaign)
      .addError(NotFoundResponse)
      .annotateContext(operation("getCampaign")),
  )
  .add(
    HttpApiEndpoint.put("updateCampaign", "/advertisers/:advertiserId/campaigns/:campaignId")
      .setPath(CampaignPath)
      .setPayload(CampaignUpdate)
      .addSuccess(Campaign)
      .addError(NotFoundResponse)
      .addError(ConflictResponse)
      .annotateContext(operation("updateCampaign")),
  )
  .add(
    HttpApiEndpoint.del("deleteCampaign", "/advertisers/:advertiserId/campaigns/:campaignId")
      .setPath(CampaignPath)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFoundResponse)
      .annotateContext(operation("deleteCampaign")),
  )
  .annotate(OpenApi.Title, "Campaigns") {}

export class AdsGroup extends HttpApiGroup.make("ads")
  .add(
    HttpApiEndpoint.get("getAdForClient", "/ads")
      .setUrlParams(AdRequest)
      .addSuccess(Ad)
      .addError(NotFoundResponse)
      .annotateContext(operation("getAdForClient")),
  )
  .add(
    HttpApiEndpoint.post("recordAdClick", "/ads/:adId/click")
      .setPath(AdPath)
      .setPayload(AdClick)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFoundResponse)
      .addError(ConflictResponse)
      .annotateContext(operation("recordAdClick")),
  )
  .annotate(OpenApi.Title, "Ads") {}

export class StatisticsGroup extends HttpApiGroup.make("statistics")
  .add(
    HttpApiEndpoint.get("getCampaignStats", "/stats/campaigns/:campaignId")
      .setPath(CampaignStatsPath)
      .addSuccess(Stats)
      .addError(NotFoundResponse)
      .annotateContext(operation("getCampaignStats")),
  )
  .add(
    HttpApiEndpoint.get("getAdvertiserCampaignsStats", "/stats/advertisers/:advertiserId/campaigns")
      .setPath(AdvertiserPath)
      .addSuccess(Stats)
      .addError(NotFoundResponse)
      .annotateContext(operation("getAdvertiserCampaignsStats")),
  )
  .add(
    HttpApiEndpoint.get("getCampaignDailyStats", "/stats/campaigns/:campaignId/daily")
      .setPath(CampaignStatsPath)
      .addSuccess(Schema.Array(DailyStats))
      .addError(NotFoundResponse)
      .annotateContext(operation("getCampaignDailyStats")),
  )
  .add(
    HttpApiEndpoint.get("getAdvertiserDailyStats", "/stats/advertisers/:advertiserId/campaigns/daily")
      .setPath(AdvertiserPath)
      .addSuccess(Schema.Array(DailyStats))
      .addError(NotFoundResponse)
      .annotateContext(operation("getAdvertiserDailyStats")),
  )
  .annotate(OpenApi.Title, "Statistics") {}

export class TimeGroup extends HttpApiGroup.make("time")
  .add(
    HttpApiEndpoint.post("advanceDay", "/time/advance")
      .setPayload(TimeAdvance)
      .addSuccess(TimeAdvance)
      .annotateContext(operation("advanceDay")),
  )
  .annotate(OpenApi.Title, "Time") {}

export const Health = Schema.Struct({ status: Schema.Literal("ok") }).annotations({ identifier: "Health" })
export type Health = typeof Health.Type

/** Not in the contract: liveness (the process answers) and readiness (its dependencies do; else 503). */
export class SystemGroup extends HttpApiGroup.make("system")
  .add(HttpApiEndpoint.get("healthz", "/healthz").addSuccess(Health))
  .add(HttpApiEndpoint.get("readyz", "/readyz").addSuccess(Health))
  .annotate(OpenApi.Title, "System") {}

const platformDecodeError = "#/components/schemas/HttpApiDecodeError"

/**
 * With `DecodeErrorsAsBadRequest` in place the platform's decode error body is never sent, so
 * the document shows only ours for 400.
 */
const withoutPlatformDecodeError = (spec: Record<string, any>): Record<string, any> => {
  for (const item of Object.values<Record<string, any>>(spec.paths ?? {})) {
    for (const operation of Object.values<Record<string, any>>(item)) {
      const content = operation?.responses?.["400"]?.content?.["application/json"]
      const anyOf: Array<{ $ref?: string }> | undefined = content?.schema?.anyOf
      if (anyOf === undefined) continue
      const rest = anyOf.filter((schema) => schema.$ref !== platformDecodeError)
      content.schema = rest.length === 1 ? rest[0] : { ...content.schema, anyOf: rest }
    }
  }
  for (const name of ["HttpApiDecodeError", "Issue", "PropertyKey"]) delete spec.components?.schemas?.[name]
  return spec
}

export class AdflowApi extends HttpApi.make("adflow")
  .add(ClientsGroup)
  .add(AdvertisersGroup)
  .add(MlScoresGroup)
  .add(CampaignsGroup)
  .add(AdsGroup)
  .add(StatisticsGroup)
  .add(TimeGroup)
  .add(SystemGroup)
  .addError(BadRequestResponse)
  .addError(ServiceUnavailableResponse)
  .annotateContext(
    OpenApi.annotations({ title: "adflow", version: "1.0.0", transform: withoutPlatformDecodeError }),
  ) {}

const isUndecodableBody = (defect: unknown): defect is HttpServerError.RequestError =>
  HttpServerError.isServerError(defect) && defect._tag === "RequestError" && defect.reason === "Decode"

/**
 * Turns the platform's own decode failure (its body is `{_tag, issues, message}`) into our
 * `BadRequest`, which then answers 400 with the contract's error body; a body that is not JSON
 * at all (a defect in the platform, answered 400 with no body) likewise. Provide
 * `DecodeErrorsAsBadRequest` beside the API layer, e.g.
 * `HttpApiBuilder.serve().pipe(Layer.provide([ApiLive, Api.DecodeErrorsAsBadRequest, ...]))`.
 */
export const mapDecodeErrors: HttpApiBuilder.MiddlewareFn<BadRequest> = (app) =>
  (app as HttpApp.Default<unknown>).pipe(
    Effect.catchIf(
      (error): error is HttpApiDecodeError => error instanceof HttpApiDecodeError,
      (error) => Effect.fail(fromDecodeError(error)),
    ),
    Effect.catchSomeDefect((defect) =>
      isUndecodableBody(defect)
        ? Option.some(Effect.fail(badRequest(Code.invalidRequest, "the request body is not valid JSON")))
        : Option.none(),
    ),
  ) as HttpApp.Default<BadRequest>

export const DecodeErrorsAsBadRequest = HttpApiBuilder.middleware(AdflowApi, mapDecodeErrors)
