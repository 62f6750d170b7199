import { describe, expect, it } from 'vitest'
import { createRateLimiter, createTokenBucket } from './rate-limit'

function manualClock() {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

describe('createTokenBucket', () => {
  it('lets a burst through, then spaces reservations at the rate', () => {
    const clock = manualClock()
    const bucket = createTokenBucket({ ratePerSecond: 20, burst: 2, clock })
    const waits = Array.from({ length: 6 }, () => bucket.reserve())
    expect(waits).toEqual([0, 0, 50, 100, 150, 200])
  })

  it('refills over time but never beyond the burst', () => {
    const clock = manualClock()
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 2, clock })
    bucket.reserve()
    bucket.reserve()
    clock.advance(60_000)
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 100])
  })

  it('rejects a nonsensical configuration', () => {
    expect(() => createTokenBucket({ ratePerSecond: 0, burst: 1, clock: manualClock() })).toThrow(RangeError)
  })
})

describe('createRateLimiter', () => {
  it('makes 40 calls at 20/s take at least ~2 s of (fake) time, per API', async () => {
    const clock = manualClock()
    const sleep = async (ms: number) => clock.advance(ms)
    const limiter = createRateLimiter({ requestsPerSecond: 20, burst: 2, clock, sleep })
    const start = clock.now()
    for (let i = 0; i < 40; i++) await limiter.acquire('GET /v2.0/wiki/nodes')
    expect(clock.now() - start).toBeGreaterThanOrEqual(1900)
  })

  it('keeps no more than burst + rate requests in any 1 s window', async () => {
    const clock = manualClock()
    const starts: number[] = []
    const limiter = createRateLimiter({ requestsPerSecond: 18, burst: 2, clock, sleep: async (ms) => clock.advance(ms) })
    for (let i = 0; i < 100; i++) {
      await limiter.acquire('k')
      starts.push(clock.now())
    }
    const maxInWindow = Math.max(...starts.map((t) => starts.filter((s) => s >= t && s < t + 1000).length))
    expect(maxInWindow).toBeLessThanOrEqual(20)
  })

  it('gives each API its own bucket', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({ requestsPerSecond: 1, burst: 1, clock, sleep: async (ms) => clock.advance(ms) })
    await limiter.acquire('GET /a')
    await limiter.acquire('GET /b')
    expect(clock.now()).toBe(1_000_000)
    await limiter.acquire('GET /a')
    expect(clock.now()).toBe(1_001_000)
  })
})
