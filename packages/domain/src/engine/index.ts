export * as CampaignIndex from "./CampaignIndex.js"
export * as ClickRate from "./ClickRate.js"
export * as Pacing from "./Pacing.js"
export * as Ranking from "./Ranking.js"
