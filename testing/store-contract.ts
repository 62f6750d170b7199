/**
 * The behaviour every SharedStore must show, as a suite run against each implementation: local
 * in `npm test`, Redis in `npm run test:replicas` (against a real redis-server).
 */
import { describe, expect, it } from 'vitest'
import type { SharedStore } from '../server/store/types'

const unique = () => Math.random().toString(36).slice(2)

export function describeSharedStore(name: string, open: () => SharedStore | Promise<SharedStore>): void {
  describe(`${name} store`, () => {
    it('counts hits in a window and says when it ends', async () => {
      const store = await open()
      const key = unique()
      expect((await store.hit(key, 60_000)).count).toBe(1)
      const second = await store.hit(key, 60_000)
      expect(second.count).toBe(2)
      expect(second.resetMs).toBeGreaterThan(0)
      expect(second.resetMs).toBeLessThanOrEqual(60_000)
    })

    it('hands out at most max slots and takes them back', async () => {
      const store = await open()
      const key = unique()
      const a = await store.acquireSlot(key, 2, 60_000)
      const b = await store.acquireSlot(key, 2, 60_000)
      expect(a).not.toBeNull()
      expect(b).not.toBeNull()
      expect(await store.acquireSlot(key, 2, 60_000)).toBeNull()
      await store.releaseSlot(key, a ?? '')
      expect(await store.acquireSlot(key, 2, 60_000)).not.toBeNull()
    })

    it('holds amounts under a quota, counts a holder once, and frees them on release or expiry', async () => {
      const store = await open()
      const key = unique()
      const later = 60_000
      expect(await store.holdQuota(key, 'a', 600, 1000, later)).toBe(true)
      expect(await store.holdQuota(key, 'b', 500, 1000, later)).toBe(false)
      expect(await store.holdQuota(key, 'b', 400, 1000, later)).toBe(true)
      // The same holder again replaces its own holding rather than adding to it.
      expect(await store.holdQuota(key, 'a', 600, 1000, later)).toBe(true)
      await store.releaseQuota(key, 'a')
      expect(await store.holdQuota(key, 'c', 600, 1000, later)).toBe(true)
      // A holding past its time no longer counts.
      const other = unique()
      expect(await store.holdQuota(other, 'old', 1000, 1000, 1)).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(await store.holdQuota(other, 'new', 1000, 1000, later)).toBe(true)
    })

    it('remembers revocations', async () => {
      const store = await open()
      const id = unique()
      expect(await store.isRevoked(id)).toBe(false)
      await store.revoke(id, Date.now() + 60_000)
      expect(await store.isRevoked(id)).toBe(true)
    })

    it('reserves budget slots one after another beyond the burst', async () => {
      const store = await open()
      const key = unique()
      const waits = []
      for (let i = 0; i < 4; i++) waits.push(await store.reserve(key, 10, 2))
      expect(waits.slice(0, 2)).toEqual([0, 0])
      // 10 per second: the third waits about 100 ms, the fourth about 200 ms.
      expect(waits[2]).toBeGreaterThan(50)
      expect(waits[3]).toBeGreaterThan(waits[2] ?? 0)
    })

    it('claims a key once and reports what was there', async () => {
      const store = await open()
      const key = unique()
      expect(await store.claim(key, 'first', 60_000)).toBeNull()
      expect(await store.claim(key, 'second', 60_000)).toBe('first')
      await store.setValue(`${key}v`, 'x', 60_000)
      expect(await store.getValue(`${key}v`)).toBe('x')
    })

    it('runs lock holders one at a time with growing fences', async () => {
      const store = await open()
      const key = unique()
      let inside = 0
      let most = 0
      const fences: number[] = []
      await Promise.all(
        [1, 2, 3].map(() =>
          store.withLock(key, async (lease) => {
            inside++
            most = Math.max(most, inside)
            fences.push(lease.fence)
            await lease.check()
            await new Promise((resolve) => setTimeout(resolve, 20))
            inside--
          }),
        ),
      )
      expect(most).toBe(1)
      expect([...fences].sort((a, b) => a - b)).toEqual(fences)
      expect(new Set(fences).size).toBe(3)
    })
  })
}
