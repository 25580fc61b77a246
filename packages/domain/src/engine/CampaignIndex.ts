import type { Campaign } from "../Campaign.js"
import { isActive } from "../CampaignLifecycle.js"
import type { Client } from "../Client.js"
import type { CampaignId } from "../Ids.js"

/**
 * An immutable index of the campaigns active on one day, answering "which campaigns may this
 * client see" without scanning them all: by location (the client's exact label, plus "any
 * location"), then gender (the client's, plus ALL-or-null), then age (campaigns with no age
 * restriction are taken whole; the others are sorted by `age_from` and scanned only up to the
 * client's age). `candidates` is exactly
 * `{ c | isActive(c, day) && Targeting.matches(c.targeting, client) }`.
 *
 * It also keeps every campaign it was given (active or not), so moving to another day
 * (`atDay`) rebuilds from memory, and `upsert` / `remove` change one campaign by copying only
 * the buckets on its path.
 */
export interface CampaignIndex {
  readonly day: number
  /** Every campaign given to the index, by id, whatever its dates. */
  readonly byId: ReadonlyMap<CampaignId, Campaign>
  readonly byLocation: ReadonlyMap<string, GenderLeaves>
  readonly anyLocation: GenderLeaves
  /** How many campaigns are active on `day`, and the sums of their prices (see `meanPrices`). */
  readonly activeCount: number
  readonly sumCostPerImpression: number
  readonly sumCostPerClick: number
}

/** Campaigns of one (location, gender) bucket, split by whether they restrict age. */
interface Leaf {
  readonly anyAge: ReadonlyArray<Campaign>
  /** Sorted by `age_from` (null as 0), ascending. */
  readonly byAgeFrom: ReadonlyArray<Campaign>
}

/** Leaves for gender MALE, FEMALE, and ALL-or-null. */
type GenderLeaves = readonly [Leaf, Leaf, Leaf]

const emptyLeaf: Leaf = { anyAge: [], byAgeFrom: [] }
const emptyLeaves: GenderLeaves = [emptyLeaf, emptyLeaf, emptyLeaf]

const MALE = 0
const FEMALE = 1
const BOTH = 2

const genderSlot = (campaign: Campaign): number => {
  const gender = campaign.targeting.gender
  return gender === "MALE" ? MALE : gender === "FEMALE" ? FEMALE : BOTH
}

const ageFrom = (campaign: Campaign): number => campaign.targeting.age_from ?? 0

const restrictsAge = (campaign: Campaign): boolean =>
  campaign.targeting.age_from !== null || campaign.targeting.age_to !== null

/** The first position whose `age_from` is greater than `age`. */
const upperBound = (sorted: ReadonlyArray<Campaign>, age: number): number => {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ageFrom(sorted[mid]!) <= age) lo = mid + 1
    else hi = mid
  }
  return lo
}

const leafWith = (leaf: Leaf, campaign: Campaign): Leaf => {
  if (!restrictsAge(campaign)) return { anyAge: [...leaf.anyAge, campaign], byAgeFrom: leaf.byAgeFrom }
  const at = upperBound(leaf.byAgeFrom, ageFrom(campaign))
  const byAgeFrom = leaf.byAgeFrom.slice()
  byAgeFrom.splice(at, 0, campaign)
  return { anyAge: leaf.anyAge, byAgeFrom }
}

const leafWithout = (leaf: Leaf, campaign: Campaign): Leaf =>
  restrictsAge(campaign)
    ? { anyAge: leaf.anyAge, byAgeFrom: leaf.byAgeFrom.filter((c) => c.campaign_id !== campaign.campaign_id) }
    : { anyAge: leaf.anyAge.filter((c) => c.campaign_id !== campaign.campaign_id), byAgeFrom: leaf.byAgeFrom }

const isEmpty = (leaves: GenderLeaves): boolean =>
  leaves.every((leaf) => leaf.anyAge.length === 0 && leaf.byAgeFrom.length === 0)

/** The index with an active `campaign` added to (1) or taken out of (-1) its bucket. */
const withBucket = (index: CampaignIndex, campaign: Campaign, sign: 1 | -1): CampaignIndex => {
  const change = sign === 1 ? leafWith : leafWithout
  const location = campaign.targeting.location
  const leaves = location === null ? index.anyLocation : (index.byLocation.get(location) ?? emptyLeaves)
  const slot = genderSlot(campaign)
  const changed = leaves.map((leaf, i) =>
    i === slot ? change(leaf, campaign) : leaf,
  ) as unknown as GenderLeaves
  const activeCount = index.activeCount + sign
  // Sums are reset when nothing is left, so floating-point drift cannot accumulate forever.
  const sums = {
    activeCount,
    sumCostPerImpression:
      activeCount === 0 ? 0 : index.sumCostPerImpression + sign * campaign.cost_per_impression,
    sumCostPerClick: activeCount === 0 ? 0 : index.sumCostPerClick + sign * campaign.cost_per_click,
  }
  if (location === null) return { ...index, ...sums, anyLocation: changed }
  const byLocation = new Map(index.byLocation)
  if (isEmpty(changed)) byLocation.delete(location)
  else byLocation.set(location, changed)
  return { ...index, ...sums, byLocation }
}

/** An index with nothing in it. */
export const empty = (day: number): CampaignIndex => ({
  day,
  byId: new Map(),
  byLocation: new Map(),
  anyLocation: emptyLeaves,
  activeCount: 0,
  sumCostPerImpression: 0,
  sumCostPerClick: 0,
})

/** Indexes `campaigns` for `day`; a later campaign with the same id replaces an earlier one. */
export const build = (campaigns: Iterable<Campaign>, day: number): CampaignIndex => {
  const byId = new Map<CampaignId, Campaign>()
  for (const campaign of campaigns) byId.set(campaign.campaign_id, campaign)
  const buckets = new Map<string | null, Array<{ anyAge: Array<Campaign>; byAgeFrom: Array<Campaign> }>>()
  let activeCount = 0
  let sumCostPerImpression = 0
  let sumCostPerClick = 0
  for (const campaign of byId.values()) {
    if (!isActive(campaign, day)) continue
    activeCount++
    sumCostPerImpression += campaign.cost_per_impression
    sumCostPerClick += campaign.cost_per_click
    const location = campaign.targeting.location
    let leaves = buckets.get(location)
    if (leaves === undefined) {
      leaves = [0, 1, 2].map(() => ({ anyAge: [], byAgeFrom: [] }))
      buckets.set(location, leaves)
    }
    const leaf = leaves[genderSlot(campaign)]!
    if (restrictsAge(campaign)) leaf.byAgeFrom.push(campaign)
    else leaf.anyAge.push(campaign)
  }
  const byLocation = new Map<string, GenderLeaves>()
  let anyLocation = emptyLeaves
  for (const [location, leaves] of buckets) {
    for (const leaf of leaves) leaf.byAgeFrom.sort((a, b) => ageFrom(a) - ageFrom(b))
    const frozen = leaves as unknown as GenderLeaves
    if (location === null) anyLocation = frozen
    else byLocation.set(location, frozen)
  }
  return { day, byId, byLocation, anyLocation, activeCount, sumCostPerImpression, sumCostPerClick }
}

/** The same campaigns indexed for another day (the same index when the day is unchanged). */
export const atDay = (index: CampaignIndex, day: number): CampaignIndex =>
  day === index.day ? index : build(index.byId.values(), day)

/** Adds or replaces one campaign (after a create or update event). */
export const upsert = (index: CampaignIndex, campaign: Campaign): CampaignIndex => {
  const previous = index.byId.get(campaign.campaign_id)
  let next = previous !== undefined && isActive(previous, index.day) ? withBucket(index, previous, -1) : index
  if (isActive(campaign, index.day)) next = withBucket(next, campaign, 1)
  const byId = new Map(index.byId)
  byId.set(campaign.campaign_id, campaign)
  return { ...next, byId }
}

/** Takes one campaign out (after a delete event); the same index when it was not there. */
export const remove = (index: CampaignIndex, campaignId: CampaignId): CampaignIndex => {
  const previous = index.byId.get(campaignId)
  if (previous === undefined) return index
  const next = isActive(previous, index.day) ? withBucket(index, previous, -1) : index
  const byId = new Map(index.byId)
  byId.delete(campaignId)
  return { ...next, byId }
}

const collect = (leaf: Leaf, age: number, into: Array<Campaign>): void => {
  for (const campaign of leaf.anyAge) into.push(campaign)
  const sorted = leaf.byAgeFrom
  for (let i = 0; i < sorted.length; i++) {
    const campaign = sorted[i]!
    const from = campaign.targeting.age_from
    if (from !== null && from > age) break
    const to = campaign.targeting.age_to
    if (to === null || age <= to) into.push(campaign)
  }
}

/** The campaigns active on the index's day whose targeting matches the client. */
export const candidates = (
  index: CampaignIndex,
  client: Pick<Client, "gender" | "age" | "location">,
): Array<Campaign> => {
  const result: Array<Campaign> = []
  const slot = client.gender === "MALE" ? MALE : FEMALE
  const local = index.byLocation.get(client.location)
  if (local !== undefined) {
    collect(local[slot]!, client.age, result)
    collect(local[BOTH]!, client.age, result)
  }
  collect(index.anyLocation[slot]!, client.age, result)
  collect(index.anyLocation[BOTH]!, client.age, result)
  return result
}

/** The campaigns active on the index's day. */
export const active = (index: CampaignIndex): Array<Campaign> =>
  [...index.byId.values()].filter((campaign) => isActive(campaign, index.day))

/** Mean prices of the active campaigns (0 when none): a money scale for the relevance term. */
export const meanPrices = (
  index: CampaignIndex,
): { readonly costPerImpression: number; readonly costPerClick: number } =>
  index.activeCount === 0
    ? { costPerImpression: 0, costPerClick: 0 }
    : {
        costPerImpression: Math.max(0, index.sumCostPerImpression / index.activeCount),
        costPerClick: Math.max(0, index.sumCostPerClick / index.activeCount),
      }
