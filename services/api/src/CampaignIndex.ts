import { ChangeFeed } from "@adflow/bus"
import { type Campaign, type CampaignId, type Client, type Day, Engine } from "@adflow/domain"
import { CampaignRepo, type CampaignRow, DayRepo } from "@adflow/store"
import { Effect, Option } from "effect"
import { toCampaign } from "./CampaignRows.js"
import { Entity } from "./Entities.js"
import * as Ranking from "./Ranking.js"
import * as Refresh from "./Refresh.js"

/**
 * A live campaign as the ad request uses it: the engine's view (prices in money units,
 * targeting) plus the stored row (micro-unit prices for admission and events, ad texts).
 */
export interface ServingCampaign extends Campaign.Campaign {
  readonly row: CampaignRow
  /**
   * A small number, the same for every version of this campaign in this process, distinct per
   * campaign: per-campaign state of the ad request (`ImpressionFloors`) lives in arrays by slot.
   */
  readonly slot: number
}

/**
 * The candidate sets kept per index version hold at most this many campaigns (plus one per set)
 * in all, ~60 bytes each (a reference, the terms, a slot): ~30 MB; past it they are all
 * forgotten and built again.
 */
const CANDIDATE_SET_ENTRIES = 500_000

/**
 * Every live (not deleted) campaign in memory, held in an `Engine.CampaignIndex` so the ad
 * request finds its candidates by location, gender and age without SQL and without a scan.
 * Loaded whole at start for the current day; a change notice re-reads the campaigns it names
 * (upsert / remove); a periodic full re-read catches lost notices; the index moves to a new day
 * on the first request that sees it.
 */
export class CampaignIndex extends Effect.Service<CampaignIndex>()("@adflow/api/CampaignIndex", {
  scoped: Effect.gen(function* () {
    const repo = yield* CampaignRepo
    const feed = yield* ChangeFeed
    const changes = yield* feed.subscribe(Entity.campaign)

    const slots = new Map<CampaignId, number>()
    const serving = (row: CampaignRow): ServingCampaign => {
      let slot = slots.get(row.campaign_id)
      if (slot === undefined) {
        slot = slots.size
        slots.set(row.campaign_id, slot)
      }
      return { ...toCampaign(row), row, slot }
    }

    // Starts at the stored day; afterwards it follows the day of the requests (`at`).
    let index: Engine.CampaignIndex.CampaignIndex = Engine.CampaignIndex.empty(yield* (yield* DayRepo).get())
    // Bumped by every single-campaign change, so a full re-read that raced one is thrown away.
    let changesApplied = 0

    const put = (row: CampaignRow) => {
      changesApplied++
      index =
        row.deleted_at === null
          ? Engine.CampaignIndex.upsert(index, serving(row))
          : Engine.CampaignIndex.remove(index, row.campaign_id)
    }

    const remove = (campaignId: CampaignId) => {
      changesApplied++
      index = Engine.CampaignIndex.remove(index, campaignId)
    }

    const loadAll = Effect.suspend(() => {
      const before = changesApplied
      return repo.listActive().pipe(
        Effect.map((rows) => {
          if (changesApplied === before) index = Engine.CampaignIndex.build(rows.map(serving), index.day)
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
                .pipe(Effect.map(Option.match({ onNone: () => remove(id as CampaignId), onSome: put }))),
            { concurrency: 8, discard: true },
          )

    yield* loadAll
    yield* Refresh.onChanges(changes, (change) => refresh(change.ids))
    yield* Refresh.every("30 seconds", loadAll)

    /** The index for `day` (rebuilt from memory once when the day changed). */
    const at = (day: Day): Engine.CampaignIndex.CampaignIndex => {
      if (index.day !== day) index = Engine.CampaignIndex.atDay(index, day)
      return index
    }

    // The index answers the same campaigns to every client of the same location, gender and
    // age: kept per index version, so a request neither walks the index nor groups advertisers.
    // By location, then by age and gender as one number: no key string built per request (the
    // client cache holds one string per location, whose hash V8 keeps).
    let setsOf: Engine.CampaignIndex.CampaignIndex | undefined
    const sets = new Map<string, Map<number, Ranking.CandidateSet>>()
    let setEntries = 0

    /**
     * Campaigns that may be shown to this client on `day`: active, and targeting it exactly.
     * The index holds only `ServingCampaign`s (see `serving`), hence the narrowing.
     */
    const candidates = (
      client: Pick<Client.Client, "gender" | "age" | "location">,
      day: Day,
    ): Ranking.CandidateSet => {
      const current = at(day)
      if (setsOf !== current || setEntries >= CANDIDATE_SET_ENTRIES) {
        sets.clear()
        setEntries = 0
        setsOf = current
      }
      let atLocation = sets.get(client.location)
      if (atLocation === undefined) {
        atLocation = new Map()
        sets.set(client.location, atLocation)
      }
      const key = 2 * client.age + (client.gender === "MALE" ? 0 : 1)
      let set = atLocation.get(key)
      if (set === undefined) {
        set = Ranking.candidateSet(
          Engine.CampaignIndex.candidates(
            current,
            client,
          ) as ReadonlyArray<unknown> as ReadonlyArray<ServingCampaign>,
        )
        atLocation.set(key, set)
        setEntries += 1 + set.campaigns.length
      }
      return set
    }

    return {
      candidates,
      /** The index for `day`: its mean prices scale the relevance term. */
      at,
      get: (campaignId: CampaignId): ServingCampaign | undefined =>
        index.byId.get(campaignId) as ServingCampaign | undefined,
      size: () => index.byId.size,
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
