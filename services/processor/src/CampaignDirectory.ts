import type { AdvertiserId, CampaignId } from "@adflow/domain"
import { CampaignRepo } from "@adflow/store"
import { Effect, Option } from "effect"

/**
 * Which advertiser owns a campaign, for validating events. A campaign's owner never changes
 * and campaigns are only soft-deleted, so known campaigns are cached for ever; unknown ids are
 * asked again each time (the campaign may have been created a moment ago).
 */
export class CampaignDirectory extends Effect.Service<CampaignDirectory>()(
  "@adflow/processor/CampaignDirectory",
  {
    effect: Effect.gen(function* () {
      const repo = yield* CampaignRepo
      const owners = new Map<CampaignId, AdvertiserId>()

      const ownerOf = (campaignId: CampaignId) =>
        owners.has(campaignId)
          ? Effect.succeed(Option.some(owners.get(campaignId)!))
          : repo.findById(campaignId, { includeDeleted: true }).pipe(
              Effect.map(
                Option.map((campaign) => {
                  owners.set(campaignId, campaign.advertiser_id)
                  return campaign.advertiser_id
                }),
              ),
            )

      /** Owners of many campaigns; one query per unknown id, cached thereafter. */
      const ownersOf = (campaignIds: Iterable<CampaignId>) =>
        Effect.forEach(
          new Set(campaignIds),
          (id) => Effect.map(ownerOf(id), (owner) => [id, owner] as const),
          {
            concurrency: 8,
          },
        ).pipe(Effect.map((entries) => new Map(entries)))

      return { ownerOf, ownersOf }
    }),
  },
) {}
