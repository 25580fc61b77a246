import { ChangeFeed } from "@adflow/bus"
import type { AdvertiserId } from "@adflow/domain"
import { AdvertiserRepo, type AdvertiserRow } from "@adflow/store"
import { Effect, Option } from "effect"
import { Entity } from "./Entities.js"

/**
 * Whether an advertiser exists. Advertisers are never deleted, so once seen an id is known for
 * good; an unknown id is asked of PostgreSQL each time.
 */
export class KnownAdvertisers extends Effect.Service<KnownAdvertisers>()("@adflow/api/KnownAdvertisers", {
  effect: Effect.gen(function* () {
    const repo = yield* AdvertiserRepo
    const feed = yield* ChangeFeed
    const known = new Set<string>()

    const exists = (advertiserId: AdvertiserId) =>
      known.has(advertiserId)
        ? Effect.succeed(true)
        : repo.findById(advertiserId).pipe(
            Effect.map((found) => {
              if (Option.isSome(found)) known.add(advertiserId)
              return Option.isSome(found)
            }),
          )

    return {
      exists,
      /** After a local write: remember the ids, and tell every instance. */
      stored: (rows: ReadonlyArray<AdvertiserRow>) =>
        Effect.suspend(() => {
          for (const row of rows) known.add(row.advertiser_id)
          return feed.publish(
            Entity.advertiser,
            rows.map((row) => row.advertiser_id),
          )
        }),
    } as const
  }),
}) {}
