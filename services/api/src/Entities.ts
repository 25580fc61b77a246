/** The entity names of master-data change notices (`ChangeFeed`). */
export const Entity = {
  client: "client",
  advertiser: "advertiser",
  campaign: "campaign",
  day: "day",
} as const
