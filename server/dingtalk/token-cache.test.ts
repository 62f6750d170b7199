import { describe, expect, it } from 'vitest'
import { createTokenCache } from './token-cache'

function setup(expireIn = 7200) {
  let now = 0
  let fetches = 0
  const clock = { now: () => now }
  const cache = createTokenCache({
    clock,
    fetchToken: async () => {
      fetches++
      const n = fetches
      // The fetch takes a turn of the event loop, so concurrent callers really overlap it.
      await new Promise<void>((resolve) => setImmediate(resolve))
      return { accessToken: `token-${n}`, expireIn }
    },
  })
  return { cache, advance: (ms: number) => void (now += ms), fetches: () => fetches }
}

describe('createTokenCache', () => {
  it('fetches once for concurrent first callers (single-flight) and reuses the token', async () => {
    const t = setup()
    const tokens = await Promise.all(Array.from({ length: 10 }, () => t.cache.get()))
    expect(new Set(tokens)).toEqual(new Set(['token-1']))
    expect(await t.cache.get()).toBe('token-1')
    expect(t.fetches()).toBe(1)
  })

  it('refreshes 5 minutes before expireIn', async () => {
    const t = setup(7200)
    await t.cache.get()
    t.advance((7200 - 300) * 1000 - 1)
    expect(await t.cache.get()).toBe('token-1')
    t.advance(1)
    expect(await t.cache.get()).toBe('token-2')
    expect(t.fetches()).toBe(2)
  })

  it('drops a rejected token only if it is still the current one', async () => {
    const t = setup()
    const first = await t.cache.get()
    t.cache.invalidate(first)
    const second = await t.cache.get()
    expect(second).toBe('token-2')
    t.cache.invalidate(first) // a late failure with the old token must not discard the new one
    expect(await t.cache.get()).toBe('token-2')
    expect(t.fetches()).toBe(2)
  })

  it('lets the next caller try again after a failed fetch', async () => {
    let calls = 0
    const cache = createTokenCache({
      clock: { now: () => 0 },
      fetchToken: async () => {
        calls++
        if (calls === 1) throw new Error('boom')
        return { accessToken: 'ok', expireIn: 7200 }
      },
    })
    await expect(cache.get()).rejects.toThrow('boom')
    expect(await cache.get()).toBe('ok')
  })
})
