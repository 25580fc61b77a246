import { type AdvertiserId, Api, Campaign, type CampaignId, CampaignLifecycle, Errors } from "@adflow/domain"
import { CampaignRepo, type CampaignRow } from "@adflow/store"
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Either, Option } from "effect"
import { randomUUID } from "node:crypto"
import { CampaignIndex } from "../CampaignIndex.js"
import { toCampaign, toInput } from "../CampaignRows.js"
import { CurrentDay } from "../CurrentDay.js"
import { KnownAdvertisers } from "../KnownAdvertisers.js"
import { orUnavailable } from "../Unavailable.js"

const campaignNotFound = (campaignId: CampaignId) => Errors.notFound("campaign", campaignId)

const sameInput = (a: CampaignRow | Campaign.Campaign, b: Campaign.Campaign): boolean =>
  JSON.stringify(toInput("targeting" in a ? a : toCampaign(a))) === JSON.stringify(toInput(b))

/**
 * Campaign CRUD, written to PostgreSQL synchronously; every write is applied to this instance's
 * serving index at once and announced to the others. PUT replaces (see CampaignLifecycle.applyUpdate);
 * DELETE is soft (statistics keep the campaign), and the list pages through live campaigns in
 * creation order.
 */
export const CampaignsHandlers = HttpApiBuilder.group(Api.AdflowApi, "campaigns", (handlers) =>
  Effect.gen(function* () {
    const repo = yield* CampaignRepo
    const index = yield* CampaignIndex
    const day = yield* CurrentDay
    const advertisers = yield* KnownAdvertisers

    const requireAdvertiser = (advertiserId: AdvertiserId) =>
      Effect.flatMap(advertisers.exists(advertiserId), (exists) =>
        exists ? Effect.void : Effect.fail(Errors.notFound("advertiser", advertiserId)),
      )

    const findOwned = (advertiserId: AdvertiserId, campaignId: CampaignId) =>
      repo
        .findById(campaignId)
        .pipe(
          Effect.flatMap((found) =>
            Option.isSome(found) && found.value.advertiser_id === advertiserId
              ? Effect.succeed(found.value)
              : Effect.fail(campaignNotFound(campaignId)),
          ),
        )

    const inputViolation = {
      ConstraintViolation: (violation: { readonly message: string }) =>
        Effect.fail(Errors.badRequest(Errors.Code.invalidRequest, violation.message)),
      AdvertiserMissing: (missing: { readonly advertiser_id: string }) =>
        Effect.fail(Errors.notFound("advertiser", missing.advertiser_id)),
    }

    return handlers
      .handle("createCampaign", ({ path, payload }) =>
        Effect.gen(function* () {
          yield* requireAdvertiser(path.advertiserId)
          const create = yield* CampaignLifecycle.validateCreate(payload, day.get())
          const campaign = Campaign.make(randomUUID() as CampaignId, path.advertiserId, create)
          const row = yield* repo.insert(toInput(campaign))
          yield* index.stored(row)
          return toCampaign(row)
        }).pipe(Effect.catchTags(inputViolation), orUnavailable),
      )
      .handle("listCampaigns", ({ path, urlParams }) =>
        Effect.gen(function* () {
          yield* requireAdvertiser(path.advertiserId)
          const rows = yield* repo.listByAdvertiser(path.advertiserId, {
            page: Math.max(urlParams.page, 1),
            size: urlParams.size,
          })
          return rows.map(toCampaign)
        }).pipe(orUnavailable),
      )
      .handle("getCampaign", ({ path }) =>
        findOwned(path.advertiserId, path.campaignId).pipe(Effect.map(toCampaign), orUnavailable),
      )
      .handle("updateCampaign", ({ path, payload }) =>
        Effect.gen(function* () {
          const current = yield* findOwned(path.advertiserId, path.campaignId)
          const today = day.get()
          const next = yield* CampaignLifecycle.applyUpdate(toCampaign(current), payload, today)
          // The rules again on the locked row: a concurrent update in between must not slip by.
          const updated = yield* repo.update(toInput(next), (locked) =>
            Either.match(CampaignLifecycle.applyUpdate(toCampaign(locked), payload, today), {
              onLeft: (failure) => Effect.fail(failure),
              onRight: (again) =>
                sameInput(again, next)
                  ? Effect.void
                  : Effect.fail(
                      Errors.conflict(
                        "concurrent_update",
                        `campaign ${path.campaignId} changed while this update was applied; retry`,
                      ),
                    ),
            }),
          )
          if (Option.isNone(updated)) return yield* Effect.fail(campaignNotFound(path.campaignId))
          yield* index.stored(updated.value)
          return toCampaign(updated.value)
        }).pipe(Effect.catchTags(inputViolation), orUnavailable),
      )
      .handle("deleteCampaign", ({ path }) =>
        Effect.gen(function* () {
          const deleted = yield* repo.softDelete(path.advertiserId, path.campaignId)
          if (!deleted) return yield* Effect.fail(campaignNotFound(path.campaignId))
          yield* index.deleted(path.campaignId)
        }).pipe(orUnavailable),
      )
  }),
)
