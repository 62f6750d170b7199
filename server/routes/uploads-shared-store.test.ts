/**
 * Resumable uploads when the shared store (Redis, with replicas) is unreachable: the tus routes
 * answer like every other route, 503 service_unavailable in our error shape with Retry-After
 * (which tus clients and the H5 retry), never tus's plain-text 500.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locker } from '@tus/server'
import { ErrorBodySchema } from '@contract/api'
import { SEED } from '../emulator/seed'
import { storeUnavailable } from '../store/types'
import { createMemoryCompletionState, type UploadCompletionState } from '../services/upload/completion-state'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'

const DOC = SEED.docs.sitePhotos.docId
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

describe('resumable uploads with the shared store unreachable', () => {
  let t: TestApp
  let staging: string
  let owner: SignedIn
  const down = { locks: false, outcomes: false }

  // What the Redis implementations do while Redis is away: every call fails with 503.
  const locker: Locker = {
    newLock: () => ({
      async lock() {
        if (down.locks) throw storeUnavailable()
      },
      async unlock() {},
    }),
  }
  const memory = createMemoryCompletionState({ ttlMs: 60_000, processingTtlMs: 60_000 })
  const completions: UploadCompletionState = {
    get: (id) => memory.get(id),
    begin: async (id, subject) => {
      if (down.outcomes) throw storeUnavailable()
      return memory.begin(id, subject)
    },
    settle: (id, outcome) => memory.settle(id, outcome),
    forget: (id) => memory.forget(id),
  }

  beforeAll(async () => {
    staging = await mkdtemp(join(tmpdir(), 'doc-attach-staging-'))
    t = await createTestApp({ env: { UPLOAD_STAGING_DIR: staging }, resumable: { locker, completions } })
    owner = await t.signIn('zhangwei')
  })
  afterAll(async () => {
    await t.close()
    await rm(staging, { recursive: true, force: true })
  })

  const create = () =>
    t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/uploads`,
      headers: {
        ...owner.headers,
        'tus-resumable': '1.0.0',
        'upload-length': '5',
        'upload-metadata': `filename ${b64('a.txt')},filetype ${b64('text/plain')}`,
      },
    })

  function expectUnavailable(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toMatch(/^\d+$/)
    // A HEAD answer has no body; the others carry our error shape.
    if (res.body !== '') expect(ErrorBodySchema.parse(JSON.parse(res.body)).error.code).toBe('service_unavailable')
    else expect(res.headers['content-type']).toMatch(/^application\/json/)
  }

  it('answers 503 service_unavailable with Retry-After when the upload lock cannot be taken, and works again after', async () => {
    down.locks = true
    expectUnavailable(await create())
    down.locks = false
    const created = await create()
    expect(created.statusCode).toBe(201)
    const path = new URL(String(created.headers.location)).pathname

    down.locks = true
    expectUnavailable(await t.inject({ method: 'HEAD', url: path, headers: { ...owner.headers, 'tus-resumable': '1.0.0' } }))
    down.locks = false
    const head = await t.inject({ method: 'HEAD', url: path, headers: { ...owner.headers, 'tus-resumable': '1.0.0' } })
    expect(head.headers['upload-offset']).toBe('0')
  })

  it('answers the last PATCH 503 when the finished upload cannot be recorded, and the poll then sends it', async () => {
    const created = await create()
    const path = new URL(String(created.headers.location)).pathname
    down.outcomes = true
    const patch = await t.inject({
      method: 'PATCH',
      url: path,
      headers: { ...owner.headers, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      payload: Buffer.from('hello'),
    })
    expectUnavailable(patch)
    down.outcomes = false
    // Every byte is in: the poll starts the transfer the PATCH could not record.
    let poll = await t.inject({ method: 'GET', url: `${path}/resource`, headers: owner.headers })
    for (let i = 0; i < 200 && poll.statusCode === 202; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      poll = await t.inject({ method: 'GET', url: `${path}/resource`, headers: owner.headers })
    }
    expect(poll.statusCode).toBe(200)
    expect(JSON.parse(poll.body)).toMatchObject({ name: 'a.txt', size: 5 })
  })
})
