import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBodySchema, ResourceResponseSchema } from '@contract/api'
import { SEED } from '../emulator/seed'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'
import { EmulatorControl } from '../../testing/emulator-control'
import { makePng } from '../../testing/sample-files'

const DOC = SEED.docs.sitePhotos.docId
const OTHER_DOC = SEED.docs.weeklyReport.docId
const DAY_MS = 24 * 60 * 60 * 1000

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

describe('X-Content-SHA256 and duplicateOf on POST /api/documents/:docId/resources', () => {
  let t: TestApp
  let owner: SignedIn

  beforeAll(async () => {
    t = await createTestApp({ env: { DUPLICATE_WINDOW_DAYS: '30' } })
    owner = await t.signIn('zhangwei')
  })
  afterAll(async () => {
    await t.close()
  })

  const post = (who: SignedIn, bytes: Buffer, name: string, sha?: string, docId = DOC) =>
    t.inject({
      method: 'POST',
      url: `/api/documents/${docId}/resources?name=${encodeURIComponent(name)}`,
      headers: { ...who.headers, 'content-type': 'image/png', ...(sha ? { 'x-content-sha256': sha } : {}) },
      payload: bytes,
    })

  const insert = async (who: SignedIn, resourceToken: string, docId = DOC) => {
    const res = await t.inject({
      method: 'POST',
      url: `/api/documents/${docId}/insertions`,
      headers: { ...who.headers, 'idempotency-key': `dup-${Math.random().toString(36).slice(2, 12)}` },
      payload: { items: [{ resourceToken }] },
    })
    expect(res.statusCode).toBe(201)
    return res.json<{ blocks: { blockId: string }[] }>().blocks[0]?.blockId
  }

  it('answers duplicateOf with the block and time once the same content was inserted into this document', async () => {
    const png = await makePng(101)
    const first = await post(owner, png, 'a.png', sha256(png))
    expect(first.statusCode).toBe(201)
    const firstBody = ResourceResponseSchema.parse(first.json())
    expect(first.json()).toHaveProperty('duplicateOf', null)
    const insertedAt = t.clock.now()
    const blockId = await insert(owner, firstBody.resourceToken)

    t.clock.advance(60_000)
    const again = await post(owner, png, 'again.png', sha256(png).toUpperCase())
    expect(again.statusCode).toBe(201)
    const duplicateOf = ResourceResponseSchema.parse(again.json()).duplicateOf
    expect(duplicateOf).toEqual({ blockId, insertedAt: new Date(insertedAt).toISOString() })

    // Without the header the server still hashes what it receives.
    const unannounced = await post(owner, png, 'again2.png')
    expect(ResourceResponseSchema.parse(unannounced.json()).duplicateOf).toEqual(duplicateOf)
    // Another document, or other bytes, are not duplicates.
    expect(ResourceResponseSchema.parse((await post(owner, png, 'b.png', undefined, OTHER_DOC)).json()).duplicateOf).toBeNull()
    const otherPng = await makePng(102)
    expect(ResourceResponseSchema.parse((await post(owner, otherPng, 'c.png')).json()).duplicateOf).toBeNull()
  })

  it('forgets insertions older than DUPLICATE_WINDOW_DAYS', async () => {
    const png = await makePng(103)
    const token = ResourceResponseSchema.parse((await post(owner, png, 'old.png')).json()).resourceToken
    await insert(owner, token)
    t.clock.advance(31 * DAY_MS)
    const fresh = await t.signIn('zhangwei')
    owner = fresh
    expect(ResourceResponseSchema.parse((await post(fresh, png, 'old-again.png')).json()).duplicateOf).toBeNull()
  })

  it('refuses bytes that do not match X-Content-SHA256 with 400 checksum_mismatch, and DingTalk keeps nothing', async () => {
    const png = await makePng(104, 300, 300)
    const res = await post(owner, png, 'mismatch.png', sha256(Buffer.from('not these bytes')))
    expect(res.statusCode).toBe(400)
    const body = ErrorBodySchema.parse(res.json())
    expect(body.error.code).toBe('checksum_mismatch')
    expect(JSON.stringify(res.json())).not.toContain('resourceToken')
    const kept = (await new EmulatorControl(t.emulatorUrl).state()).resources.filter((r) => r.resourceName === 'mismatch.png' && r.uploaded)
    expect(kept).toEqual([])
  })

  it('answers 400 invalid_request for a malformed X-Content-SHA256', async () => {
    const res = await post(owner, await makePng(105), 'x.png', 'abc123')
    expect(res.statusCode).toBe(400)
    expect(ErrorBodySchema.parse(res.json()).error.code).toBe('invalid_request')
  })
})
