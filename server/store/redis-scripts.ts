/**
 * The Lua scripts of the Redis store. Each runs atomically in Redis, so replicas never interleave
 * inside one; times come from Redis's own clock (`TIME`), so replicas' clocks need not agree.
 */

/** Milliseconds from Redis's clock. */
const NOW_MS = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

/** KEYS[1] counter; ARGV[1] window ms → {count, ms left}. */
export const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`

/** KEYS[1] sorted set of slots by expiry; ARGV max, lease ms, slot id → 1 taken, 0 full. */
export const ACQUIRE_SLOT = `
${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

/**
 * KEYS[1] bucket hash {tokens, at}; ARGV rate per second, burst → ms to wait. The balance may go
 * negative: each caller reserves the next free slot (DingTalk's limit is per app, so one bucket
 * per API serves every replica).
 */
export const RESERVE = `
${NOW_MS}
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
if now > at then tokens = math.min(burst, tokens + (now - at) / 1000 * rate); at = now end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], 60000)
if tokens >= 0 then return 0 end
return math.ceil(-tokens / rate * 1000)
`

/** KEYS[1] lock, KEYS[2] fence counter; ARGV owner id, lease ms → fence, or 0 when held by another. */
export const LOCK_ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. fence, 'PX', ARGV[2])
return fence
`

/** KEYS[1] lock; ARGV holder (owner:fence), lease ms → 1 renewed, 0 lost. */
export const LOCK_RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

/** KEYS[1] lock; ARGV holder → 1 released, 0 not ours. */
export const LOCK_RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`

/**
 * A write that only the lock's holder may make (the fencing check): KEYS[1] lock, KEYS[2] the key
 * written; ARGV holder, value, ttl ms → 1 written, 0 refused.
 */
export const FENCED_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
`

/**
 * A resumable upload's lock (server/store/redis-upload-locker.ts): KEYS[1] lock, KEYS[2] "please
 * let go" flag; ARGV holder, lease ms, flag ms → 1 taken (the flag, meant for the previous holder,
 * is cleared), 0 held by another, who is now asked to let go.
 */
export const UPLOAD_LOCK_TAKE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('DEL', KEYS[2])
  return 1
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
return 0
`

/** KEYS[1] lock, KEYS[2] flag; ARGV holder, lease ms → 2 still ours but wanted elsewhere, 1 ours, 0 lost. */
export const UPLOAD_LOCK_RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
return 1
`

/**
 * Records one insertion for the duplicate index unless a later one is already there: KEYS[1] the
 * (document, content) key; ARGV insertedAt ms, value "<insertedAt>|<blockId>", ttl ms → 1 set, 0 kept.
 */
export const DUPLICATE_RECORD = `
local old = redis.call('GET', KEYS[1])
if old then
  local at = tonumber(string.match(old, '^(%d+)|'))
  if at and at > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`

/**
 * Holds an amount under a quota (the bytes one person keeps staged): KEYS[1] hash of holder id →
 * "<amount>:<until ms>"; ARGV holder id, amount, max, ttl ms → 1 held, 0 over `max`. Holdings
 * past their time no longer count and are dropped; the hash lives as long as its latest holding.
 */
export const QUOTA_HOLD = `
${NOW_MS}
local untilMs = now + tonumber(ARGV[4])
local latest = untilMs
local total = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local amount, heldUntil = string.match(entries[i + 1], '^(%d+):(%d+)$')
  if not amount or tonumber(heldUntil) <= now then
    redis.call('HDEL', KEYS[1], entries[i])
  elseif entries[i] ~= ARGV[1] then
    total = total + tonumber(amount)
    if tonumber(heldUntil) > latest then latest = tonumber(heldUntil) end
  end
end
if total + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. string.format('%d', untilMs))
redis.call('PEXPIREAT', KEYS[1], string.format('%d', latest))
return 1
`
