import { Campaign, Money, type Targeting } from "@adflow/domain"
import type { CampaignInput, CampaignRow } from "@adflow/store"

/** A campaign as the stores keep it (prices in micro-units, targeting in columns) and as the contract shows it. */

export const toCampaign = (row: CampaignRow): Campaign.Campaign => ({
  campaign_id: row.campaign_id,
  advertiser_id: row.advertiser_id,
  impressions_limit: row.impressions_limit,
  clicks_limit: row.clicks_limit,
  cost_per_impression: Money.toPrice(row.cost_per_impression_micros),
  cost_per_click: Money.toPrice(row.cost_per_click_micros),
  ad_title: row.ad_title,
  ad_text: row.ad_text,
  start_date: row.start_date,
  end_date: row.end_date,
  targeting: targetingOf(row),
})

export const targetingOf = (row: CampaignInput): Targeting.Targeting => ({
  gender: row.gender,
  age_from: row.age_from,
  age_to: row.age_to,
  location: row.location,
})

export const toInput = (campaign: Campaign.Campaign): CampaignInput => ({
  campaign_id: campaign.campaign_id,
  advertiser_id: campaign.advertiser_id,
  impressions_limit: campaign.impressions_limit,
  clicks_limit: campaign.clicks_limit,
  cost_per_impression_micros: Money.fromPrice(campaign.cost_per_impression),
  cost_per_click_micros: Money.fromPrice(campaign.cost_per_click),
  ad_title: campaign.ad_title,
  ad_text: campaign.ad_text,
  start_date: campaign.start_date,
  end_date: campaign.end_date,
  gender: campaign.targeting.gender,
  age_from: campaign.targeting.age_from,
  age_to: campaign.targeting.age_to,
  location: campaign.targeting.location,
})
