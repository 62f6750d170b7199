/**
 * The Redis store against a real redis-server (npm run test:replicas): the same contract as the
 * local store, plus what only a shared store must do — leases that lapse when a holder dies,
 * fencing of a stale holder, 503 while Redis is away and recovery by itself; and what a switch to
 * Redis brings along from DATA_DIR (sign-outs).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../server/errors'
import { startRedisProcess, type RedisProcess } from '@testing/drills/redis-process'
import { createRedisStore, type RedisStore } from '../../server/store/redis'
import { createRedisInsertionJournal } from '../../server/store/redis-journal'
import { describeSharedStore } from '@testing/store-contract'
import { createMemoryInsertionJournal } from '../../server/services/insertion/insertion-journal'
import { openFileRevocations } from '../../server/store/local-revocations'
import { openStore } from '../../server/store/open-store'

let redis: RedisProcess
const stores: RedisStore[] = []

beforeAll(async () => {
  redis = await startRedisProcess()
})
afterAll(async () => {
  for (const s of stores) await s.close()
  await redis?.stop()
})

async function openReady(opts: { lockLeaseMs?: number; renewLocks?: boolean } = {}): Promise<RedisStore> {
  const store = createRedisStore({ url: redis.url, commandTimeoutMs: 1000, ...opts })
  stores.push(store)
  for (let i = 0; i < 200 && !store.isReachable(); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  return store
}

describeSharedStore('redis', () => openReady())

describe('redis store across replicas', () => {
  it('shares one budget bucket between two replicas', async () => {
    const a = await openReady()
    const b = await openReady()
    const waits = [await a.reserve('shared-api', 10, 2), await b.reserve('shared-api', 10, 2), await a.reserve('shared-api', 10, 2)]
    expect(waits.slice(0, 2)).toEqual([0, 0])
    expect(waits[2]).toBeGreaterThan(50)
  })

  it('frees the lock of a holder that stopped renewing, and fences its late writes', async () => {
    // A's process "freezes": it stops renewing its lease, as a long pause would.
    const a = await openReady({ lockLeaseMs: 300, renewLocks: false })
    const b = await openReady({ lockLeaseMs: 300 })
    const journal = createRedisInsertionJournal(a)
    let release!: () => void
    const stalled = new Promise<void>((resolve) => (release = resolve))
    let staleWrite: Promise<unknown> = Promise.resolve()
    // A takes the lock, then pauses far past its lease.
    const holderA = a.withLock('doc-fence', async (lease) => {
      await stalled
      staleWrite = journal
        .withLease(lease)
        .put('batch-1', { fingerprint: 'fp', state: 'started', at: Date.now() })
        .then(
          () => 'written',
          (err: unknown) => err,
        )
      await expect(lease.check()).rejects.toBeInstanceOf(AppError)
    })
    await new Promise((resolve) => setTimeout(resolve, 700))
    // B gets the lock once A's lease lapsed, with a larger fence.
    const fenceB = await b.withLock('doc-fence', async (lease) => {
      release()
      await holderA
      return lease.fence
    })
    expect(fenceB).toBeGreaterThan(1)
    const stale = await staleWrite
    expect(stale).toBeInstanceOf(AppError)
    expect(await journal.get('batch-1')).toBeUndefined()
  })

  it('answers 503 service_unavailable while Redis is away and works again once it is back', async () => {
    const store = await openReady()
    await redis.stop()
    const failure = await store.hit('while-down', 60_000).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(AppError)
    expect(failure).toMatchObject({ code: 'service_unavailable', status: 503 })
    expect(await store.ping()).toBe(false)
    await redis.start()
    let back = false
    for (let i = 0; i < 200 && !back; i++) {
      back = await store.ping()
      if (!back) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(back).toBe(true)
    expect((await store.hit('after-return', 60_000)).count).toBe(1)
  })
})

describe('switching an installation to Redis', () => {
  it('keeps sessions signed out before the switch signed out (revocations imported from DATA_DIR)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'doc-attach-switch-'))
    try {
      const local = await openFileRevocations(dataDir)
      await local.revoke('signed-out-before', Date.now() + 60_000)
      await local.revoke('expired-before', Date.now() - 1)
      const logger = { info: () => undefined, warn: () => undefined }
      const opened = openStore({
        redisUrl: redis.url,
        localJournal: createMemoryInsertionJournal(),
        dataDir,
        duplicateWindowMs: 60_000,
        logger,
      })
      try {
        for (let i = 0; i < 200 && !(await opened.store.isRevoked('signed-out-before').catch(() => false)); i++) {
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
        expect(await opened.store.isRevoked('signed-out-before')).toBe(true)
        expect(await opened.store.isRevoked('expired-before')).toBe(false)
      } finally {
        await opened.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
