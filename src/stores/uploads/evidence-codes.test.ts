import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import type { EvidenceCodesResponse } from '@contract/api'
import { createCodePool, idbCodePoolStorage, POOL_TARGET, type CodePoolStorage, type PooledCode } from './evidence-codes'

const DAY = 24 * 60 * 60 * 1000
const NOW = Date.parse('2026-12-08T02:00:00Z')

/** A server that issues codes per person (`CODE-<n>` is enough here: the pool never reads them). */
function fakeServer(expiresInDays = 30) {
  let n = 0
  const requests: number[] = []
  return {
    requests,
    fetchCodes: async (count: number): Promise<EvidenceCodesResponse> => {
      requests.push(count)
      return {
        codes: Array.from({ length: count }, () => `C${String(++n).padStart(3, '0')}`),
        expiresAt: new Date(NOW + expiresInDays * DAY).toISOString(),
      }
    },
  }
}

function memoryStorage(initial: Record<string, PooledCode[]> = {}): CodePoolStorage & { data: Map<string, PooledCode[]> } {
  const data = new Map(Object.entries(initial))
  return {
    data,
    load: async (owner) => data.get(owner) ?? null,
    save: async (owner, codes) => void data.set(owner, codes),
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

describe('the evidence code pool', () => {
  it('fills up to the target while online, at most 100 codes a request, and keeps them on the device', async () => {
    const server = fakeServer()
    const storage = memoryStorage()
    const pool = createCodePool({ fetchCodes: server.fetchCodes, online: ref(true), storage, now: () => NOW })
    pool.wanted.value = true
    await pool.setOwner('lina')
    await pool.refill()
    expect(server.requests).toEqual([100, 100])
    expect(pool.size.value).toBe(POOL_TARGET)
    await pool.saved()
    expect(storage.data.get('lina')).toHaveLength(POOL_TARGET)
  })

  it('hands out each code once and forgets it on the device at once', async () => {
    const storage = memoryStorage()
    const pool = createCodePool({ fetchCodes: fakeServer().fetchCodes, online: ref(true), storage, now: () => NOW })
    pool.wanted.value = true
    await pool.setOwner('lina')
    await pool.refill()
    const first = await pool.take()
    const second = await pool.take()
    expect(first).not.toBe(second)
    await pool.saved()
    expect(storage.data.get('lina')?.map((c) => c.code)).not.toContain(first)
  })

  it('keeps each person’s codes apart: another person signing in on the phone never gets them', async () => {
    const expires = new Date(NOW + 20 * DAY).toISOString()
    const storage = memoryStorage({ lina: [{ code: 'LINA-1', expiresAt: expires }] })
    const pool = createCodePool({ fetchCodes: fakeServer().fetchCodes, online: ref(false), storage, now: () => NOW })
    await pool.setOwner('zhangwei')
    expect(await pool.take()).toBeNull()
    await pool.setOwner('lina')
    expect(await pool.take()).toBe('LINA-1')
  })

  it('drops codes that have expired, or will before an offline photo is likely sent', async () => {
    const storage = memoryStorage({
      lina: [
        { code: 'OLD', expiresAt: new Date(NOW - DAY).toISOString() },
        { code: 'NEARLY', expiresAt: new Date(NOW + DAY / 2).toISOString() },
        { code: 'GOOD', expiresAt: new Date(NOW + 10 * DAY).toISOString() },
      ],
    })
    const pool = createCodePool({ fetchCodes: fakeServer().fetchCodes, online: ref(false), storage, now: () => NOW })
    await pool.setOwner('lina')
    expect(pool.size.value).toBe(1)
    expect(await pool.take()).toBe('GOOD')
  })

  it('fetches nothing while stamping is off, and nothing while offline', async () => {
    const server = fakeServer()
    const online = ref(false)
    const pool = createCodePool({ fetchCodes: server.fetchCodes, online, storage: memoryStorage(), now: () => NOW })
    await pool.setOwner('lina')
    online.value = true
    await nextTick()
    await flush()
    expect(server.requests).toEqual([])
    online.value = false
    pool.wanted.value = true
    await nextTick()
    await flush()
    expect(server.requests).toEqual([])
  })

  it('a photo that finds the pool empty waits, and gets a code as soon as the phone is online', async () => {
    const server = fakeServer()
    const online = ref(false)
    const pool = createCodePool({ fetchCodes: server.fetchCodes, online, storage: memoryStorage(), now: () => NOW })
    pool.wanted.value = true
    await pool.setOwner('lina')
    let code: string | null = null
    const waiting = pool.next().then((c) => (code = c))
    await flush()
    expect(code).toBeNull()
    expect(pool.waiting()).toBe(1)
    online.value = true
    await waiting
    expect(code).toMatch(/^C\d+$/)
    expect(server.requests.length).toBeGreaterThan(0)
  })

  it('reads a pool IndexedDB kept, and ignores a record that is not one', async () => {
    const expiresAt = new Date(Date.now() + 10 * DAY).toISOString()
    await idbCodePoolStorage.save('pool-test', [{ code: 'KEPT', expiresAt }])
    expect(await idbCodePoolStorage.load('pool-test')).toEqual([{ code: 'KEPT', expiresAt }])
    expect(await idbCodePoolStorage.load('nobody')).toBeNull()
  })
})
