import type { ChainableCommander, Redis } from "ioredis"

/**
 * The Lua scripts behind the counters. Each is registered once per connection with ioredis
 * `defineCommand`, which sends EVALSHA and falls back to EVAL on NOSCRIPT, so a Redis restart
 * or `SCRIPT FLUSH` only costs one resend. Every key a script touches is passed in KEYS (so
 * ioredis prefixes it) and shares one hash tag.
 *
 * Idempotency comes from set membership: a count or spend moves only when SADD added the member.
 */
export interface Script {
  readonly name: string
  readonly keys: number
  readonly lua: string
}

/**
 * KEYS: seen, totals. ARGV: client id, impressions limit, cost in micros.
 * The ad request's admission: a client already in `seen` is a repeat (not charged again); a new
 * client is admitted only while impressions < limit, so the limit holds under any concurrency.
 */
export const admitImpression: Script = {
  name: "adflowAdmitImpression",
  keys: 2,
  lua: `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 'repeat' end
local impressions = tonumber(redis.call('HGET', KEYS[2], 'impressions') or '0')
if impressions >= tonumber(ARGV[2]) then return 'limit' end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], 'impressions', 1)
redis.call('HINCRBY', KEYS[2], 'spent_impressions_micros', ARGV[3])
return 'new'
`,
}

/** KEYS: seen, totals. ARGV: client id, cost in micros. An impression that happened, counted once. */
export const applyImpression: Script = {
  name: "adflowApplyImpression",
  keys: 2,
  lua: `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 'duplicate' end
redis.call('HINCRBY', KEYS[2], 'impressions', 1)
redis.call('HINCRBY', KEYS[2], 'spent_impressions_micros', ARGV[2])
return 'applied'
`,
}

/** KEYS: seen, clicked, totals. ARGV: client id, cost in micros. A click counts only after an impression. */
export const applyClick: Script = {
  name: "adflowApplyClick",
  keys: 3,
  lua: `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 'not_seen' end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 'duplicate' end
redis.call('HINCRBY', KEYS[3], 'clicks', 1)
redis.call('HINCRBY', KEYS[3], 'spent_clicks_micros', ARGV[2])
return 'applied'
`,
}

/**
 * KEYS: scores, scores_at. ARGV: advertiser id, score, at.
 * Last writer wins by (at, score): an older update never overwrites a newer one, the same update
 * twice is a duplicate, and two different scores with the same \`at\` resolve to the higher one,
 * so the result never depends on delivery order.
 */
export const applyScore: Script = {
  name: "adflowApplyScore",
  keys: 2,
  lua: `
local at = tonumber(ARGV[3])
local score = tonumber(ARGV[2])
local storedAt = redis.call('HGET', KEYS[2], ARGV[1])
if storedAt then
  storedAt = tonumber(storedAt)
  if at < storedAt then return 'stale' end
  if at == storedAt then
    local stored = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
    if score == stored then return 'duplicate' end
    if score < stored then return 'stale' end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 'applied'
`,
}

const all: ReadonlyArray<Script> = [admitImpression, applyImpression, applyClick, applyScore]

/** Registers every script on the connection; pipelines created afterwards can queue them too. */
export const defineAll = (redis: Redis): void => {
  for (const script of all) redis.defineCommand(script.name, { numberOfKeys: script.keys, lua: script.lua })
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
): Promise<unknown> => method<Promise<unknown>>(redis, script)(...keys, ...args)

/** Queues a script on a pipeline. */
export const queue = (
  pipeline: ChainableCommander,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number>,
): void => {
  method<ChainableCommander>(pipeline, script)(...keys, ...args)
}
