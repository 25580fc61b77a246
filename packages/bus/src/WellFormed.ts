/**
 * What the fast paths (`FastDecode`, `FastEncode`) take on themselves: fields the schema accepts
 * exactly as they stand (lower-case UUIDs, integers and prices in range). Anything else goes
 * through the Effect Schema, which also says what is wrong. One set of rules for both directions;
 * the property tests of both check it against the schema.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const INT32_MAX = 2_147_483_647

const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value)
const isNonNegativeInt = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0
const isDay = (value: unknown): value is number => isNonNegativeInt(value) && value <= INT32_MAX
const isPrice = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 1e9

/**
 * The fields of an impression or a click, besides `v`, `event_id` and `_tag`. Positional, not an
 * object: both fast paths call this once per event, and it should not allocate.
 */
export const adFields = (
  campaign_id: unknown,
  advertiser_id: unknown,
  client_id: unknown,
  day: unknown,
  cost: unknown,
  score: unknown,
  at: unknown,
): boolean =>
  isUuid(campaign_id) &&
  isUuid(advertiser_id) &&
  isUuid(client_id) &&
  isDay(day) &&
  isPrice(cost) &&
  isNonNegativeInt(score) &&
  isNonNegativeInt(at)

/** The fields of a score update, besides `v`, `event_id` and `_tag`. */
export const scoreFields = (
  client_id: unknown,
  advertiser_id: unknown,
  score: unknown,
  at: unknown,
): boolean =>
  isUuid(client_id) &&
  isUuid(advertiser_id) &&
  isNonNegativeInt(score) &&
  score <= INT32_MAX &&
  isNonNegativeInt(at)
