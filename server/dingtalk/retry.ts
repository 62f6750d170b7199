/**
 * Backoff schedule for retried DingTalk calls: bounded exponential backoff with jitter
 * (docs/dingtalk.md#throttling: 1 s, 2 s, 4 s… plus jitter, and never without a bound).
 */

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number
  /** Upper bound for any single delay. */
  maxDelayMs: number
  /** Source of randomness in [0, 1); injectable so tests are deterministic. */
  random: () => number
}

/**
 * Delay before retry number `retry` (1 = the first retry). "Equal jitter": half of the
 * exponential step is fixed and half random, so delays grow but concurrent clients that failed
 * together do not retry in lockstep.
 */
export function backoffDelayMs(retry: number, opts: BackoffOptions): number {
  const step = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (retry - 1))
  return Math.round(step / 2 + (step / 2) * opts.random())
}

/**
 * Parses an HTTP `Retry-After` header given in seconds (the form API gateways use) into ms;
 * undefined for absent or unusable values (HTTP dates are ignored: we fall back to backoff).
 */
export function parseRetryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined
  return Number(value.trim()) * 1000
}
