/**
 * Resumable uploads' shared state against a real redis-server (npm run test:replicas): the tus
 * lock, the finished uploads' outcomes and the duplicate index, each opened on two stores (two
 * connections, as two replicas have), so what one replica does the other sees; and the duplicate
 * record a single process kept in DATA_DIR, taken over when an installation switches to Redis.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Lock } from '@tus/server'
import { AppError } from '../../server/errors'
import { startRedisProcess, type RedisProcess } from '@testing/drills/redis-process'
import { importLocalDuplicates, openFileDuplicateIndex } from '../../server/store/local-duplicate-index'
import { createRedisStore, type RedisStore } from '../../server/store/redis'
import { createRedisDuplicateIndex } from '../../server/store/redis-duplicate-index'
import { createRedisCompletionState } from '../../server/store/redis-upload-completions'
import { createRedisUploadLocker } from '../../server/store/redis-upload-locker'

let redis: RedisProcess
const stores: RedisStore[] = []
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
let seq = 0
const uploadId = () => `${Date.now().toString(16)}${(++seq).toString(16)}`.padEnd(32, '0')

beforeAll(async () => {
  redis = await startRedisProcess()
})
afterAll(async () => {
  for (const s of stores) await s.close()
  await redis?.stop()
})

async function replica(): Promise<RedisStore> {
  const store = createRedisStore({ url: redis.url, commandTimeoutMs: 1000 })
  stores.push(store)
  for (let i = 0; i < 200 && !store.isReachable(); i++) await sleep(25)
  return store
}

/** Takes `lock`, counting how often its holder is asked to let go. */
async function hold(lock: Lock): Promise<{ asked: () => number }> {
  let asked = 0
  await lock.lock(new AbortController().signal, () => {
    asked++
  })
  return { asked: () => asked }
}

describe('tus upload lock in Redis', () => {
  it('lets one replica at a time hold an upload, and asks the holder on another replica to let go', async () => {
    const a = createRedisUploadLocker(await replica(), { checkEveryMs: 50 })
    const b = createRedisUploadLocker(await replica(), { checkEveryMs: 50 })
    const id = uploadId()
    const first = a.newLock(id)
    const holder = await hold(first)

    // B wants the upload (a client resumed there): A's holder is asked, and B gets it once A unlocks.
    let bHasIt = false
    const second = b.newLock(id)
    const taking = hold(second).then((h) => {
      bHasIt = true
      return h
    })
    while (holder.asked() === 0) await sleep(10)
    expect(bHasIt).toBe(false)
    await first.unlock()
    const next = await taking
    expect(bHasIt).toBe(true)
    expect(next.asked()).toBe(0)
    await second.unlock()
  })

  it('frees the lock of a replica that died holding it, once its lease lapses', async () => {
    const dying = await replica()
    const a = createRedisUploadLocker(dying, { leaseMs: 300, checkEveryMs: 50 })
    const b = createRedisUploadLocker(await replica(), { leaseMs: 300, checkEveryMs: 50 })
    const id = uploadId()
    await hold(a.newLock(id))
    // The process is gone: no more renewals, no unlock.
    await dying.close()
    const lock = b.newLock(id)
    await hold(lock)
    await lock.unlock()
  })

  it('gives up with 503 service_unavailable and Retry-After when the holder never lets go in time', async () => {
    const a = createRedisUploadLocker(await replica(), { checkEveryMs: 50 })
    const b = createRedisUploadLocker(await replica(), { checkEveryMs: 50, waitMs: 300 })
    const id = uploadId()
    const first = a.newLock(id)
    await hold(first) // this holder ignores the request to let go
    const refused = await hold(b.newLock(id)).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(AppError)
    expect(refused).toMatchObject({ status: 503, code: 'service_unavailable', headers: { 'retry-after': expect.any(String) } })
    await first.unlock()
  })
})

describe('finished uploads in Redis', () => {
  const subject = { docId: 'doc-1', unionId: 'union-1', size: 1234 }
  const resource = {
    resourceId: 'r1',
    resourceUrl: 'https://example.test/r1',
    resourceToken: 'token',
    name: 'a.pdf',
    mediaType: 'application/pdf',
    size: 1234,
    kind: 'file' as const,
    duplicateOf: null,
    evidence: null,
  }

  it('lets exactly one replica start the transfer, and every replica read its outcome', async () => {
    const opts = { ttlMs: 60_000, processingTtlMs: 60_000 }
    const a = createRedisCompletionState(await replica(), opts)
    const b = createRedisCompletionState(await replica(), opts)
    const id = uploadId()
    const claims = await Promise.all([a.begin(id, subject), b.begin(id, subject), a.begin(id, subject)])
    expect(claims.filter(Boolean)).toHaveLength(1)
    expect(await b.get(id)).toMatchObject({ ...subject, state: 'processing' })
    await a.settle(id, { ...subject, state: 'done', resource })
    expect(await b.get(id)).toEqual({ ...subject, state: 'done', resource })
    await b.forget(id)
    expect(await a.get(id)).toBeNull()
  })

  it('keeps "processing" while its replica runs the transfer, and lets it lapse when that replica died', async () => {
    const opts = { ttlMs: 60_000, processingTtlMs: 60_000, leaseMs: 300 }
    const dying = await replica()
    const a = createRedisCompletionState(dying, opts)
    const b = createRedisCompletionState(await replica(), opts)
    const onDying = uploadId()
    const onLive = uploadId()
    expect(await a.begin(onDying, subject)).toBe(true)
    expect(await b.begin(onLive, subject)).toBe(true)
    await sleep(900)
    // Renewed by the replicas running them: still processing, nobody else may start them.
    expect(await b.begin(onDying, subject)).toBe(false)
    expect(await a.begin(onLive, subject)).toBe(false)
    await dying.close()
    await sleep(600)
    const c = createRedisCompletionState(await replica(), opts)
    expect(await c.get(onDying)).toBeNull()
    expect(await c.begin(onDying, subject)).toBe(true)
    expect(await c.begin(onLive, subject)).toBe(false)
    await b.forget(onLive)
    await c.forget(onDying)
  })
})

describe('duplicate index in Redis', () => {
  const sha = 'ab'.repeat(32)
  const DAY = 24 * 60 * 60 * 1000

  it('answers on one replica what was inserted through another, the latest insertion first', async () => {
    const a = createRedisDuplicateIndex(await replica(), { windowMs: 30 * DAY })
    const b = createRedisDuplicateIndex(await replica(), { windowMs: 30 * DAY })
    const now = Date.now()
    await a.record([{ docId: 'doc-dup', sha256: sha, blockId: 'blk-new', insertedAt: now - 1000 }])
    // A late record of an older insertion does not replace the newer one.
    await b.record([{ docId: 'doc-dup', sha256: sha, blockId: 'blk-old', insertedAt: now - 5 * DAY }])
    expect(await b.find('doc-dup', sha, now - 30 * DAY)).toEqual({
      docId: 'doc-dup',
      sha256: sha,
      blockId: 'blk-new',
      insertedAt: now - 1000,
    })
    expect(await b.find('other-doc', sha, now - 30 * DAY)).toBeNull()
    expect(await b.find('doc-dup', sha, now)).toBeNull()
  })

  it('takes over what a single process recorded in DATA_DIR when an installation switches to Redis', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'doc-attach-data-'))
    try {
      const now = Date.now()
      const local = await openFileDuplicateIndex(dataDir, { windowMs: 30 * DAY })
      await local.record([
        { docId: 'doc-switch', sha256: sha, blockId: 'blk-before-redis', insertedAt: now - DAY },
        { docId: 'doc-switch', sha256: 'cd'.repeat(32), blockId: 'blk-too-old', insertedAt: now - 31 * DAY },
      ])
      const shared = createRedisDuplicateIndex(await replica(), { windowMs: 30 * DAY })
      expect(await importLocalDuplicates(dataDir, shared)).toBe(1)
      expect(await shared.find('doc-switch', sha, now - 30 * DAY)).toMatchObject({ blockId: 'blk-before-redis' })
      expect(await shared.find('doc-switch', 'cd'.repeat(32), 0)).toBeNull()
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('keeps nothing older than the window: the record expires in Redis', async () => {
    const store = await replica()
    const index = createRedisDuplicateIndex(store, { windowMs: 300 })
    await index.record([
      { docId: 'doc-window', sha256: sha, blockId: 'blk', insertedAt: Date.now() },
      { docId: 'doc-window', sha256: 'cd'.repeat(32), blockId: 'blk-old', insertedAt: Date.now() - 1000 },
    ])
    expect(await index.find('doc-window', sha, 0)).not.toBeNull()
    expect(await index.find('doc-window', 'cd'.repeat(32), 0)).toBeNull()
    await sleep(500)
    // Gone from Redis itself, not only ignored.
    expect(await store.run((c) => c.exists(`duplicate:doc-window:${sha}`))).toBe(0)
  })
})
