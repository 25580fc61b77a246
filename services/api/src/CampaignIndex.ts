import { ChangeFeed } from "@adflow/bus"
import { type CampaignId, CampaignLifecycle, type Day, Targeting } from "@adflow/domain"
import { CampaignRepo, type CampaignRow, type ClientRow } from "@adflow/store"
import { Effect, Option } from "effect"
import { targetingOf } from "./CampaignRows.js"
import { Entity } from "./Entities.js"
import * as Refresh from "./Refresh.js"

/** A live campaign as the ad request uses it. */
export interface ServingCampaign {
  readonly row: CampaignRow
  readonly targeting: Targeting.Targeting
}

const serving = (row: CampaignRow): ServingCampaign => ({ row, targeting: targetingOf(row) })

/**
 * Every live (not deleted) campaign in memory, so the ad request finds its candidates without
 * SQL. Loaded whole at start; a change notice re-reads the campaigns it names; a periodic full
 * re-read catches lost notices.
 */
export class CampaignIndex extends Effect.Service<CampaignIndex>()("@adflow/api/CampaignIndex", {
  scoped: Effect.gen(function* () {
    const repo = yield* CampaignRepo
    const feed = yield* ChangeFeed
    const changes = yield* feed.subscribe(Entity.campaign)

    let byId = new Map<string, ServingCampaign>()
    // Bumped by every single-campaign change, so a full re-read that raced one is thrown away.
    let changesApplied = 0

    const put = (row: CampaignRow) => {
      changesApplied++
      if (row.deleted_at === null) byId.set(row.campaign_id, serving(row))
      else byId.delete(row.campaign_id)
    }

    const remove = (campaignId: string) => {
      changesApplied++
      byId.delete(campaignId)
    }

    const loadAll = Effect.suspend(() => {
      const before = changesApplied
      return repo.listActive().pipe(
        Effect.map((rows) => {
          if (changesApplied === before) byId = new Map(rows.map((row) => [row.campaign_id, serving(row)]))
        }),
      )
    })

    const refresh = (ids: ReadonlyArray<string>) =>
      ids.length === 0
        ? loadAll
        : Effect.forEach(
            ids,
            (id) =>
              repo
                .findById(id as CampaignId)
                .pipe(Effect.map(Option.match({ onNone: () => remove(id), onSome: put }))),
            { concurrency: 8, discard: true },
          )

    yield* loadAll
    yield* Refresh.onChanges(changes, (change) => refresh(change.ids))
    yield* Refresh.every("30 seconds", loadAll)

    /** Campaigns that may be shown to this client today: active, and targeting it exactly. */
    const eligible = (client: ClientRow, day: Day): Array<ServingCampaign> => {
      const found: Array<ServingCampaign> = []
      for (const campaign of byId.values()) {
        if (CampaignLifecycle.isActive(campaign.row, day) && Targeting.matches(campaign.targeting, client))
          found.push(campaign)
      }
      return found
    }

    return {
      eligible,
      get: (campaignId: CampaignId): ServingCampaign | undefined => byId.get(campaignId),
      size: () => byId.size,
      /** After a local write: apply it here at once, and tell every instance. */
      stored: (row: CampaignRow) =>
        Effect.suspend(() => {
          put(row)
          return feed.publish(Entity.campaign, [row.campaign_id])
        }),
      /** After a local delete: stop serving at once, and tell every instance. */
      deleted: (campaignId: CampaignId) =>
        Effect.suspend(() => {
          remove(campaignId)
          return feed.publish(Entity.campaign, [campaignId])
        }),
    } as const
  }),
}) {}
