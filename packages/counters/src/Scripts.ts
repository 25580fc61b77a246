import type { ChainableCommander, Redis } from "ioredis"
import * as Keys from "./Keys.js"

/**
 * The Lua scripts behind the counters. Each is registered once per connection with ioredis
 * `defineCommand`, which sends EVALSHA and falls back to EVAL on NOSCRIPT, so a Redis restart
 * or `SCRIPT FLUSH` only costs one resend (the ad request's calls and the processor's batches
 * are written by `ScriptCalls`, which falls back to this path on NOSCRIPT). Every key a script touches is passed in KEYS (so
 * ioredis prefixes it); the keys of a write script share one hash tag, while the ad request's
 * read script spans many campaigns (fine on the single Redis deployed, not on a cluster).
 *
 * Idempotency comes from set membership: a count or spend moves only when SADD added the member.
 */
export interface Script {
  readonly name: string
  /** How many of the arguments are KEYS; `"variable"`: the caller passes every key, counted at each call. */
  readonly keys: number | "variable"
  readonly lua: string
}

/**
 * The admission's checks and writes, on KEYS[1] (seen), KEYS[2] (totals), KEYS[3] (the
 * unpublished impressions, `Keys.unpublishedImpressions`) and KEYS[4] (`ClickLearning.KEY`) with
 * ARGV client id, impressions limit, cost in micros, the impression's time in ms, its event as
 * JSON and the learning field of its score: returns 'repeat' or 'limit', or falls through having
 * admitted the client, recorded the impression as not yet published and learned it. Shared by
 * `admitImpression` and the rebuild's `MirroredAdmission`.
 */
export const admissionLua = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 'repeat' end
local impressions = tonumber(redis.call('HGET', KEYS[2], '${Keys.CounterField.impressions}') or '0')
if impressions >= tonumber(ARGV[2]) then return 'limit' end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], '${Keys.CounterField.impressions}', 1)
redis.call('HINCRBY', KEYS[2], '${Keys.CounterField.spentImpressionsMicros}', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('HINCRBY', KEYS[4], ARGV[6], 1)
`

/**
 * KEYS: seen, totals, unpublished impressions, click learning. ARGV: client id, impressions limit,
 * cost in micros, impression time in ms, impression event JSON, learning field.
 * The ad request's admission: a client already in `seen` is a repeat (not charged again); a new
 * client is admitted only while impressions < limit, so the limit holds under any concurrency.
 * The outbox entry is written in the same step, so no admission can exist without its event, and
 * so is the learned impression (the processor finds the event a duplicate and does not learn it).
 */
export const admitImpression: Script = {
  name: "adflowAdmitImpression",
  keys: 4,
  lua: `${admissionLua}return 'new'\n`,
}

/**
 * The processor's batches: one script call applies many events, each exactly as if it were
 * applied alone (same checks, same order), and answers one outcome per event, in order. One call
 * instead of one per event, because each command costs the client ~10 µs of CPU and the server
 * a script invocation, which dominated a batch. KEYS hold one hash tag per event (prefixed by
 * ioredis like any key) to which the script appends the key's suffix, as in `readForRequest`;
 * a batch spans many campaigns or clients (fine on the single Redis deployed, not on a cluster).
 */

/**
 * Lua for the batch scripts below: `count(tag, cost)` adds one event and its cost in micros (a
 * decimal string) to the campaign's sums, `addCounted()` adds the sums to the campaign's totals
 * (`countField` and `spendField`).
 * Counts and spend are summed per campaign in the script and written with one HINCRBY each per
 * campaign instead of two per event (Lua's calls into Redis were most of a batch's time). The
 * sums stay exact: Lua numbers are doubles, so a sum is written before it could reach 10^15, and
 * a cost of more than 15 digits is written on its own, as given.
 */
const countedTotals = (countField: string, spendField: string) => `
local countedTags, counted, spent = {}, {}, {}
local function addTotals(tag, count, spend)
  local totals = tag .. '${Keys.CampaignKeySuffix.totals}'
  redis.call('HINCRBY', totals, '${countField}', count)
  redis.call('HINCRBY', totals, '${spendField}', spend)
end
local function count(tag, cost)
  if #cost > 15 then addTotals(tag, 1, cost) return end
  local micros = tonumber(cost)
  local n = counted[tag]
  if n == nil then
    countedTags[#countedTags + 1] = tag
    counted[tag], spent[tag] = 1, micros
  elseif spent[tag] + micros >= 1e15 then
    addTotals(tag, n, string.format('%.0f', spent[tag]))
    counted[tag], spent[tag] = 1, micros
  else
    counted[tag], spent[tag] = n + 1, spent[tag] + micros
  end
end
local function addCounted()
  for _, tag in ipairs(countedTags) do addTotals(tag, counted[tag], string.format('%.0f', spent[tag])) end
end
`

/**
 * KEYS: per impression its campaign's tag. ARGV: per impression client id, cost in micros.
 * An impression that happened, counted once: counts and spend move only when SADD added the client.
 */
export const applyImpressions: Script = {
  name: "adflowApplyImpressions",
  keys: "variable",
  lua: `${countedTotals(Keys.CounterField.impressions, Keys.CounterField.spentImpressionsMicros)}
local out = {}
for i = 1, #KEYS do
  local tag = KEYS[i]
  if redis.call('SADD', tag .. '${Keys.CampaignKeySuffix.seen}', ARGV[2 * i - 1]) == 0 then
    out[i] = 'duplicate'
  else
    count(tag, ARGV[2 * i])
    out[i] = 'applied'
  end
end
addCounted()
return out
`,
}

/**
 * KEYS: per click its campaign's tag. ARGV: per click client id, cost in micros.
 * A click counts only after an impression of the same campaign to the same client, and once.
 */
export const applyClicks: Script = {
  name: "adflowApplyClicks",
  keys: "variable",
  lua: `${countedTotals(Keys.CounterField.clicks, Keys.CounterField.spentClicksMicros)}
local out = {}
for i = 1, #KEYS do
  local tag = KEYS[i]
  local client = ARGV[2 * i - 1]
  if redis.call('SISMEMBER', tag .. '${Keys.CampaignKeySuffix.seen}', client) == 0 then
    out[i] = 'not_seen'
  elseif redis.call('SADD', tag .. '${Keys.CampaignKeySuffix.clicked}', client) == 0 then
    out[i] = 'duplicate'
  else
    count(tag, ARGV[2 * i])
    out[i] = 'applied'
  end
end
addCounted()
return out
`,
}

/**
 * KEYS: per update its client's tag (`Keys.clientTag`). ARGV: per update advertiser id, score, at.
 * Last writer wins by (at, score): an older update never overwrites a newer one, the same update
 * twice is a duplicate, and two different scores with the same `at` resolve to the higher one,
 * so the result never depends on delivery order.
 */
export const applyScores: Script = {
  name: "adflowApplyScores",
  keys: "variable",
  lua: `
local out = {}
for i = 1, #KEYS do
  local scores = KEYS[i] .. '${Keys.ClientKeySuffix.scores}'
  local scoresAt = KEYS[i] .. '${Keys.ClientKeySuffix.scoresAt}'
  local advertiser = ARGV[3 * i - 2]
  local score = tonumber(ARGV[3 * i - 1])
  local at = tonumber(ARGV[3 * i])
  local outcome = 'applied'
  local storedAt = redis.call('HGET', scoresAt, advertiser)
  if storedAt then
    storedAt = tonumber(storedAt)
    if at < storedAt then
      outcome = 'stale'
    elseif at == storedAt then
      local stored = tonumber(redis.call('HGET', scores, advertiser) or '-1')
      if score == stored then outcome = 'duplicate' elseif score < stored then outcome = 'stale' end
    end
  end
  if outcome == 'applied' then
    redis.call('HSET', scores, advertiser, ARGV[3 * i - 1])
    redis.call('HSET', scoresAt, advertiser, ARGV[3 * i])
  end
  out[i] = outcome
end
return out
`,
}

/** HMGET takes at most this many advertiser ids per call: Lua's `unpack` is bounded by its C stack. */
const UNPACK_CHUNK = 1000

/** ARGV[2] of `readForRequest`: which of the client's scores to read. */
export const ScoresRead = { listed: "listed", all: "all" } as const

/**
 * KEYS: the client's scores, then per campaign its hash tag (`Keys.campaignTag`, prefixed by
 * ioredis like any key), to which the script appends the suffixes of totals, seen and clicked:
 * one key per campaign instead of three, since building and prefixing keys is most of what a
 * large read costs the client. ARGV: client id, `ScoresRead.listed` then advertiser ids, or
 * `ScoresRead.all` for the whole score hash (the ad request: sending ~50 advertiser ids cost
 * the API more than the hash's reply).
 *
 * Answers everything the request reads as two arrays: the scores (listed: one per advertiser,
 * the stored string or nil; all: advertiser id, score, ... as HGETALL), then per campaign
 * impressions, clicks, seen (0/1), clicked (0/1) as integers, so the client parses no strings
 * for them. Read only; a single Redis is assumed (the campaigns span many cluster slots).
 */
export const readForRequest: Script = {
  name: "adflowReadForRequest",
  keys: "variable",
  lua: `
local scores
if ARGV[2] == '${ScoresRead.all}' then
  scores = redis.call('HGETALL', KEYS[1])
else
  scores = {}
  local n = 0
  local advertisers = #ARGV
  for first = 3, advertisers, ${UNPACK_CHUNK} do
    local some = redis.call('HMGET', KEYS[1], unpack(ARGV, first, math.min(first + ${UNPACK_CHUNK - 1}, advertisers)))
    for i = 1, #some do scores[n + i] = some[i] end
    n = n + #some
  end
end
local counters = {}
local n = 0
local client = ARGV[1]
for k = 2, #KEYS do
  local tag = KEYS[k]
  local totals = redis.call('HMGET', tag .. '${Keys.CampaignKeySuffix.totals}', '${Keys.CounterField.impressions}', '${Keys.CounterField.clicks}')
  local impressions, clicks = tonumber(totals[1] or 0), tonumber(totals[2] or 0)
  if not (impressions and clicks) then return redis.error_reply('ERR non-numeric counts in ' .. tag) end
  counters[n + 1] = impressions
  counters[n + 2] = clicks
  counters[n + 3] = redis.call('SISMEMBER', tag .. '${Keys.CampaignKeySuffix.seen}', client)
  counters[n + 4] = redis.call('SISMEMBER', tag .. '${Keys.CampaignKeySuffix.clicked}', client)
  n = n + 4
end
return { scores, counters }
`,
}

const all: ReadonlyArray<Script> = [
  admitImpression,
  applyImpressions,
  applyClicks,
  applyScores,
  readForRequest,
]

/** Registers every script on the connection; pipelines created afterwards can queue them too. */
export const defineAll = (redis: Redis): void => {
  for (const script of all)
    redis.defineCommand(
      script.name,
      script.keys === "variable" ? { lua: script.lua } : { numberOfKeys: script.keys, lua: script.lua },
    )
}

type Invoke<R> = (...keysThenArgs: ReadonlyArray<string | number>) => R

// defineCommand adds methods at run time; ioredis types them only through module augmentation,
// which would leak into every package, so the lookup is typed here once.
const method = <R>(target: Redis | ChainableCommander, script: Script): Invoke<R> => {
  const fn = (target as unknown as Record<string, Invoke<R> | undefined>)[script.name]
  if (fn === undefined) throw new Error(`Redis script ${script.name} is not defined on this connection`)
  return fn.bind(target)
}

/** Runs a script alone (its own round trip). */
export const run = (
  redis: Redis,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number>,
): Promise<unknown> =>
  script.keys === "variable"
    ? method<Promise<unknown>>(redis, script)(keys.length, ...keys, ...args)
    : method<Promise<unknown>>(redis, script)(...keys, ...args)

/** Queues a script on a pipeline. */
export const queue = (
  pipeline: ChainableCommander,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number>,
): void => {
  if (script.keys === "variable") method<ChainableCommander>(pipeline, script)(keys.length, ...keys, ...args)
  else method<ChainableCommander>(pipeline, script)(...keys, ...args)
}
