import type { CampaignId, ClientId } from "@adflow/domain"

/**
 * Redis key names, before ioredis prepends the client's keyPrefix. Every key of one campaign
 * shares the hash tag `{c:<campaignId>}` and every key of one client `{u:<clientId>}`, so a
 * script touching one campaign's (or one client's) keys stays inside one cluster slot.
 * Ids are lower-case UUIDs, so they never contain the braces that delimit a hash tag.
 */
const campaign = (campaignId: CampaignId) => `{c:${campaignId}}`
const client = (clientId: ClientId) => `{u:${clientId}}`

/**
 * The hash tag shared by every key of the campaign: what `seen`, `clicked` and `totals` start
 * with. A script given this key can reach all three (same slot) with one KEYS entry.
 */
export const campaignTag = (campaignId: CampaignId): string => campaign(campaignId)

/** Suffixes after `campaignTag` of the campaign's keys. */
export const CampaignKeySuffix = { seen: ":seen", clicked: ":clicked", totals: ":totals" } as const

/** Set of client ids that were shown the campaign. */
export const seen = (campaignId: CampaignId): string => campaign(campaignId) + CampaignKeySuffix.seen

/** Set of client ids that clicked the campaign. */
export const clicked = (campaignId: CampaignId): string => campaign(campaignId) + CampaignKeySuffix.clicked

/** Hash of the campaign's totals; see `CounterField`. */
export const totals = (campaignId: CampaignId): string => campaign(campaignId) + CampaignKeySuffix.totals

export const CounterField = {
  impressions: "impressions",
  clicks: "clicks",
  spentImpressionsMicros: "spent_impressions_micros",
  spentClicksMicros: "spent_clicks_micros",
} as const

/** The hash tag shared by every key of the client: what `scores` and `scoresAt` start with. */
export const clientTag = (clientId: ClientId): string => client(clientId)

/** Suffixes after `clientTag` of the client's keys. */
export const ClientKeySuffix = { scores: ":scores", scoresAt: ":scores_at" } as const

/** Hash advertiser id -> the client's ML score for that advertiser. */
export const scores = (clientId: ClientId): string => client(clientId) + ClientKeySuffix.scores

/** Hash advertiser id -> `at` of the score update currently stored in `scores`. */
export const scoresAt = (clientId: ClientId): string => client(clientId) + ClientKeySuffix.scoresAt

/**
 * Sorted set of admitted impressions whose publish is not confirmed yet: member the event's JSON,
 * score its time in ms (`ImpressionOutbox`). One key for every campaign, outside the counter and
 * score keys (a rebuild's wipe leaves it alone); admission writes it beside the campaign's keys,
 * so, like the batch scripts, it assumes the single Redis deployed, not a cluster.
 */
export const unpublishedImpressions = "outbox:impressions"

/** A SCAN pattern for every counter and score key under `keyPrefix`, and nothing else there. */
export const ownedPattern = (keyPrefix: string): string => `${escapeGlob(keyPrefix)}{[cu]:*`

/** Escapes the characters that Redis glob patterns treat specially, so they match literally. */
export const escapeGlob = (literal: string): string => literal.replace(/[\\*?[\]]/g, (c) => `\\${c}`)
