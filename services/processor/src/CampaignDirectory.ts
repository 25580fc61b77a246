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
        Effect.suspend(() => {
          // Almost always every id is known: answer those in a plain loop, no effect per id.
          const found = new Map<CampaignId, Option.Option<AdvertiserId>>()
          const unknown = new Set<CampaignId>()
          for (const id of campaignIds) {
            const owner = owners.get(id)
            if (owner !== undefined) found.set(id, Option.some(owner))
            else unknown.add(id)
          }
          if (unknown.size === 0) return Effect.succeed(found)
          return Effect.forEach(unknown, (id) => Effect.map(ownerOf(id), (owner) => [id, owner] as const), {
            concurrency: 8,
          }).pipe(
            Effect.map((entries) => {
              for (const [id, owner] of entries) found.set(id, owner)
              return found
            }),
          )
        })

      return { ownerOf, ownersOf }
    }),
  },
) {}
