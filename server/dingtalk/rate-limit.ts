/**
 * Client-side throttle that keeps each DingTalk API under its per-app QPS limit
 * (docs/dingtalk.md#throttling: 20 QPS per app per API, so rate-limit proactively with a token bucket).
 */

export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number
}

export interface TokenBucketOptions {
  /** Sustained rate: tokens added per second. */
  ratePerSecond: number
  /** Bucket size: how many requests may start back-to-back after a quiet period. */
  burst: number
  clock: Clock
}

/**
 * A token bucket that hands out reservations: `reserve()` takes a token now (the balance may go
 * negative) and returns how long the caller must wait before using it. Concurrent callers thus
 * get consecutive slots without polling. In any 1-second window at most `burst + ratePerSecond`
 * requests start, which is why the client's default is 18/s with a burst of 2 (≤ 20).
 */
export function createTokenBucket(opts: TokenBucketOptions): { reserve(): number } {
  if (!(opts.ratePerSecond > 0) || !(opts.burst >= 1)) throw new RangeError('ratePerSecond must be > 0 and burst >= 1')
  let tokens = opts.burst
  let last = opts.clock.now()
  return {
    reserve(): number {
      const now = opts.clock.now()
      tokens = Math.min(opts.burst, tokens + ((now - last) / 1000) * opts.ratePerSecond)
      last = now
      tokens -= 1
      return tokens >= 0 ? 0 : Math.ceil((-tokens / opts.ratePerSecond) * 1000)
    },
  }
}

export interface RateLimiterOptions {
  requestsPerSecond: number
  burst: number
  clock: Clock
  sleep: (ms: number) => Promise<void>
}

/** One token bucket per key (the client uses `METHOD /path/{template}`); callers wait, never fail. */
export function createRateLimiter(opts: RateLimiterOptions): { acquire(key: string): Promise<void> } {
  const buckets = new Map<string, { reserve(): number }>()
  return {
    async acquire(key: string): Promise<void> {
      let bucket = buckets.get(key)
      if (!bucket) {
        bucket = createTokenBucket({ ratePerSecond: opts.requestsPerSecond, burst: opts.burst, clock: opts.clock })
        buckets.set(key, bucket)
      }
      const wait = bucket.reserve()
      if (wait > 0) await opts.sleep(wait)
    },
  }
}
