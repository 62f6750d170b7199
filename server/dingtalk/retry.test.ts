import { describe, expect, it } from 'vitest'
import { backoffDelayMs, parseRetryAfterMs } from './retry'

describe('backoffDelayMs', () => {
  const opts = (random: number) => ({ baseDelayMs: 1000, maxDelayMs: 8000, random: () => random })

  it('doubles per retry, between half and all of the step', () => {
    expect([1, 2, 3].map((r) => backoffDelayMs(r, opts(0)))).toEqual([500, 1000, 2000])
    expect([1, 2, 3].map((r) => backoffDelayMs(r, opts(0.999999)))).toEqual([1000, 2000, 4000])
  })

  it('never exceeds the cap', () => {
    expect(backoffDelayMs(10, opts(0.999999))).toBe(8000)
    expect(backoffDelayMs(30, opts(0))).toBe(4000)
  })
})

describe('parseRetryAfterMs', () => {
  it('reads whole seconds and ignores anything else', () => {
    expect(parseRetryAfterMs('2')).toBe(2000)
    expect(parseRetryAfterMs(['3'])).toBe(3000)
    expect(parseRetryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT')).toBeUndefined()
    expect(parseRetryAfterMs('-1')).toBeUndefined()
    expect(parseRetryAfterMs(undefined)).toBeUndefined()
  })
})
