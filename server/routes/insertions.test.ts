import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import {
  ErrorBodySchema,
  InsertionIncompleteDetailsSchema,
  InsertionResponseSchema,
  InsertionUncertainDetailsSchema,
  ResourceUsedDetailsSchema,
  type InsertionResponse,
  type ResourceResponse,
} from '@contract/api'
import { buildApp } from '../app'
import { DingTalkError } from '../dingtalk/errors'
import type { DingTalkApi } from '../dingtalk/types'
import { PROFILES } from '../emulator/index'
import { SEED } from '../emulator/seed'
import { createMemoryInsertionJournal, openFileInsertionJournal, type InsertionJournal } from '../services/insertion/insertion-journal'
import { signResourceToken } from '../services/upload/resource-token'
import { createTestApp, emulatorDingTalkClient, type SignedIn, type TestApp } from '@testing/test-app'
import { describeBlock, documentBlocks, upload } from '@testing/app-helpers'
import { addFault, getRequests, type LoggedRequest } from '@testing/emulator-control'
import { makePdf, makePng } from '@testing/sample-files'

const DOC = SEED.docs.sitePhotos.docId
const OTHER_DOC = SEED.docs.weeklyReport.docId
const blocksPath = (docId: string) => `/v1.0/doc/suites/documents/${docId}/blocks`
const writes = (calls: LoggedRequest[]) => calls.filter((c) => c.method === 'POST' && c.path.startsWith('/v1.0/doc/suites/'))
/** Open-API calls as DingTalk bills them (not the token, the upload URL or the emulator's control API). */
const billed = (calls: LoggedRequest[]) =>
  calls.filter((c) => /^\/(v1\.0|v2\.0|topapi)\//.test(c.path) && c.path !== '/v1.0/oauth2/accessToken')
/** `GET blocks`, `POST blocks`, `POST append`, `POST uploadInfos`: what each call was, compactly. */
const kinds = (calls: LoggedRequest[]) =>
  billed(calls).map((c) => {
    if (c.path.endsWith('/appendElement')) return `${c.method} append`
    if (c.path.includes('/uploadInfos/')) return `${c.method} uploadInfos`
    if (/\/blocks$/.test(c.path)) return `${c.method} blocks`
    return `${c.method} ${c.path}`
  })
/** A DingTalk client that stops working as if the process died (not a DingTalk failure). */
class ProcessDied extends Error {}

let seq = 0
const newKey = () => `key-${Date.now()}-${++seq}`

function errorOf(body: string) {
  return ErrorBodySchema.parse(JSON.parse(body)).error
}

describe.each(PROFILES)('POST /api/documents/:docId/insertions (%s answers)', (profile) => {
  let t: TestApp
  let owner: SignedIn
  let editor: SignedIn
  let reader: SignedIn
  let photoSeed = 100

  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_FILES_PER_BATCH: '10' }, emulator: { profile } })
    owner = await t.signIn('zhangwei')
    editor = await t.signIn('lina')
    reader = await t.signIn('wangfang')
  })
  afterAll(async () => {
    await t.close()
  })
  beforeEach(async () => {
    await fetch(`${t.emulatorUrl}/__emulator/faults`, { method: 'DELETE' })
  })

  const photo = async (who: SignedIn = owner, docId = DOC, name = `p${photoSeed}.png`) =>
    upload(t, who, docId, await makePng(++photoSeed), name)
  // One after another: a person may have only MAX_CONCURRENT_UPLOADS_PER_PERSON uploads in flight.
  const photos = async (n: number, who?: SignedIn, docId?: string) => {
    const out: Awaited<ReturnType<typeof photo>>[] = []
    for (let i = 0; i < n; i++) out.push(await photo(who, docId))
    return out
  }

  const insert = (
    who: SignedIn,
    body: unknown,
    key: string | null = newKey(),
    docId = DOC,
    app?: FastifyInstance,
    extra: Record<string, string> = {},
  ) => {
    const headers: Record<string, string> = { ...who.headers, ...extra }
    if (key !== null) headers['idempotency-key'] = key
    const opts = { method: 'POST' as const, url: `/api/documents/${docId}/insertions`, headers, payload: body as object }
    return app ? app.inject(opts) : t.inject(opts)
  }
  const inserted = async (res: { statusCode: number; body: string }): Promise<InsertionResponse> => {
    expect(res.statusCode, res.body).toBe(201)
    return InsertionResponseSchema.parse(JSON.parse(res.body))
  }
  const itemsOf = (resources: ResourceResponse[], captions: Record<number, string> = {}) =>
    resources.map((r, i) => ({ resourceToken: r.resourceToken, ...(captions[i] ? { caption: captions[i] } : {}) }))

  /**
   * A second app on the same emulator and secret: what a restart or another instance looks like.
   * With `journal` it shares that insertion journal (a restart on the same DATA_DIR).
   */
  async function secondApp(wrap: (api: DingTalkApi) => DingTalkApi = (api) => api, journal?: InsertionJournal): Promise<FastifyInstance> {
    const dingtalk = emulatorDingTalkClient(t.emulatorUrl)
    return buildApp({
      config: t.config,
      dingtalk: wrap(dingtalk),
      logger: false,
      clock: t.clock,
      staticRoot: null,
      ...(journal ? { insertionJournal: journal } : {}),
    })
  }

  /** A second app whose process dies (ProcessDied) when it starts insert number `inserts + 1`. */
  function appDyingAfter(inserts: number, journal: InsertionJournal): Promise<FastifyInstance> {
    let insertsLeft = inserts
    return secondApp(
      (api) => ({
        ...api,
        insertBlock: async (...args) => {
          if (insertsLeft-- === 0) throw new ProcessDied('the process died here')
          return api.insertBlock(...args)
        },
      }),
      journal,
    )
  }

  /** A fresh journal directory; each `open` is what a new process on that DATA_DIR sees. */
  async function journalDir() {
    const dir = await mkdtemp(join(tmpdir(), 'insertion-journal-'))
    dirs.push(dir)
    return { dir, open: () => openFileInsertionJournal(dir) }
  }
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })
  /**
   * The DingTalk calls of a batch that writes `posts` blocks: a read before the first write unless
   * DingTalk is known to echo content (rich, once an app has seen an answer), and a read after the
   * last write when answers are bare (minimal).
   */
  const expectedKinds = (posts: number, opts: { freshApp?: boolean; readBefore?: boolean } = {}) => [
    ...((opts.readBefore ?? (profile !== 'rich' || opts.freshApp)) ? ['GET blocks'] : []),
    ...Array.from({ length: posts }, () => 'POST blocks'),
    ...(profile === 'minimal' ? ['GET blocks'] : []),
  ]
  const callsSince = async (mark: number) => (await getRequests(t.emulatorUrl)).slice(mark)
  const callMark = async () => (await getRequests(t.emulatorUrl)).length
  /** Each resource's image exactly once in the document, in batch order, side by side; returns the block list. */
  async function expectOnceInOrder(batch: ResourceResponse[]) {
    const srcs = (await documentBlocks(t.emulatorUrl, DOC)).map(describeBlock)
    for (const r of batch) expect(srcs.filter((s) => s === `img:${r.resourceUrl}`)).toHaveLength(1)
    const positions = batch.map((r) => srcs.indexOf(`img:${r.resourceUrl}`))
    expect(positions[positions.length - 1]! - positions[0]!).toBe(batch.length - 1)
    expect([...positions].sort((x, y) => x - y)).toEqual(positions)
  }

  it('inserts five items in order at the end: images, captions and a PDF attachment', async () => {
    const [a, b] = await photos(2)
    const pdf = await upload(t, owner, DOC, makePdf('合同'), '合同.pdf')
    const [c, d] = await photos(2)
    const items = [a, b, pdf, c, d].filter((r): r is ResourceResponse => !!r)
    const before = await documentBlocks(t.emulatorUrl, DOC)

    const result = await inserted(await insert(owner, { items: itemsOf(items, { 0: '东门入口', 2: '签字版', 3: '  ' }) }))
    expect(result.documentUrl).toBe(t.config.documentUrl(DOC))
    expect(result.blocks.map((bl) => bl.resourceId)).toEqual(items.map((r) => r.resourceId))

    const after = await documentBlocks(t.emulatorUrl, DOC)
    expect(after.slice(0, before.length).map((bl) => bl.id)).toEqual(before.map((bl) => bl.id))
    const added = after.slice(before.length)
    expect(added.map(describeBlock)).toEqual([
      `img:${a?.resourceUrl}`,
      '东门入口',
      `img:${b?.resourceUrl}`,
      'file:合同.pdf',
      '签字版',
      `img:${c?.resourceUrl}`,
      `img:${d?.resourceUrl}`,
    ])
    const byId = new Map(added.map((bl) => [bl.id, describeBlock(bl)]))
    expect(result.blocks.map((bl) => byId.get(bl.blockId))).toEqual([
      `img:${a?.resourceUrl}`,
      `img:${b?.resourceUrl}`,
      'file:合同.pdf',
      `img:${c?.resourceUrl}`,
      `img:${d?.resourceUrl}`,
    ])
    // The attachment names its MIME type, as DingTalk's own CLI sends it (not the extension).
    expect(added.find((bl) => bl.blockType === 'attachment')?.attachment).toMatchObject({ name: '合同.pdf', type: 'application/pdf' })
  })

  it('inserts at the start, and after or before a chosen block, keeping the order', async () => {
    const docId = OTHER_DOC
    const [s1, s2] = await photos(2, owner, docId)
    await inserted(await insert(owner, { items: itemsOf([s1!, s2!]), position: { where: 'start' } }, newKey(), docId))
    let blocks = await documentBlocks(t.emulatorUrl, docId)
    expect(blocks.slice(0, 2).map(describeBlock)).toEqual([`img:${s1?.resourceUrl}`, `img:${s2?.resourceUrl}`])

    const anchor = blocks[3]
    if (!anchor) throw new Error('seed document too short')
    const [a1, a2] = await photos(2, owner, docId)
    await inserted(
      await insert(
        owner,
        { items: itemsOf([a1!, a2!], { 0: 'after 1' }), position: { where: 'after', blockId: anchor.id } },
        newKey(),
        docId,
      ),
    )
    blocks = await documentBlocks(t.emulatorUrl, docId)
    const at = blocks.findIndex((bl) => bl.id === anchor.id)
    expect(blocks.slice(at, at + 4).map(describeBlock)).toEqual([
      describeBlock(anchor),
      `img:${a1?.resourceUrl}`,
      'after 1',
      `img:${a2?.resourceUrl}`,
    ])

    const [b1, b2] = await photos(2, owner, docId)
    await inserted(await insert(owner, { items: itemsOf([b1!, b2!]), position: { where: 'before', blockId: anchor.id } }, newKey(), docId))
    blocks = await documentBlocks(t.emulatorUrl, docId)
    const at2 = blocks.findIndex((bl) => bl.id === anchor.id)
    expect(blocks.slice(at2 - 2, at2 + 1).map(describeBlock)).toEqual([
      `img:${b1?.resourceUrl}`,
      `img:${b2?.resourceUrl}`,
      describeBlock(anchor),
    ])
  })

  it('answers 400 when the chosen block is no longer in the document', async () => {
    const [p] = await photos(1)
    const res = await insert(owner, { items: itemsOf([p!]), position: { where: 'after', blockId: 'gone-block' } })
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('invalid_request')
  })

  it('puts a batch of photos in one paragraph with layout "together", in about one call per photo', async () => {
    const batch = await photos(4)
    const callsBefore = (await getRequests(t.emulatorUrl)).length
    const before = (await documentBlocks(t.emulatorUrl, DOC)).length
    const result = await inserted(await insert(owner, { items: itemsOf(batch, { 0: '北侧', 2: '南侧' }), layout: 'together' }))

    const ids = new Set(result.blocks.map((bl) => bl.blockId))
    expect(ids.size).toBe(1)
    const added = (await documentBlocks(t.emulatorUrl, DOC)).slice(before)
    expect(added.map(describeBlock)).toEqual([batch.map((r) => `img:${r.resourceUrl}`).join('+'), '1. 北侧   3. 南侧'])

    // One paragraph holding the four photos, one caption paragraph; reads only as the profile needs.
    expect(kinds(await callsSince(callsBefore))).toEqual(expectedKinds(2))
  })

  it('costs one uploadInfos and one insert per photo for a separate batch of 10 at the end, reading only as the profile needs', async () => {
    const mark = await callMark()
    const batch = await photos(10)
    const result = await inserted(await insert(owner, { items: itemsOf(batch) }))
    expect(result.blocks).toHaveLength(10)
    const calls = kinds(await callsSince(mark))
    expect(calls.filter((c) => c === 'POST uploadInfos')).toHaveLength(10)
    expect(calls.filter((c) => c !== 'POST uploadInfos')).toEqual(expectedKinds(10))
    await expectOnceInOrder(batch)
  })

  it('costs 10 uploadInfos and ONE insert for a together batch of 10', async () => {
    const mark = await callMark()
    const batch = await photos(10)
    const result = await inserted(await insert(owner, { items: itemsOf(batch), layout: 'together' }))
    const calls = kinds(await callsSince(mark))
    expect(calls.filter((c) => c === 'POST uploadInfos')).toHaveLength(10)
    expect(calls.filter((c) => c !== 'POST uploadInfos')).toEqual(expectedKinds(1))
    const block = (await documentBlocks(t.emulatorUrl, DOC)).find((bl) => bl.id === result.blocks[0]?.blockId)
    expect(block && describeBlock(block)).toBe(batch.map((r) => `img:${r.resourceUrl}`).join('+'))
    expect(new Set(result.blocks.map((bl) => bl.blockId)).size).toBe(1)
  })

  it('replays the same key without inserting again, and runs concurrent duplicates once', async () => {
    const batch = await photos(2)
    const key = newKey()
    const body = { items: itemsOf(batch) }
    const first = await inserted(await insert(owner, body, key))
    const callsBefore = await callMark()
    const again = await inserted(await insert(owner, body, key))
    expect(again).toEqual(first)
    expect(await callsSince(callsBefore)).toEqual([])

    const other = await photos(2)
    const key2 = newKey()
    const [r1, r2] = await Promise.all([insert(owner, { items: itemsOf(other) }, key2), insert(owner, { items: itemsOf(other) }, key2)])
    expect(await inserted(r1!)).toEqual(await inserted(r2!))
    const srcs = (await documentBlocks(t.emulatorUrl, DOC)).map(describeBlock)
    for (const r of other) expect(srcs.filter((s) => s === `img:${r.resourceUrl}`)).toHaveLength(1)
  })

  it('refuses the same key with a different body', async () => {
    const [a, b] = await photos(2)
    const key = newKey()
    await inserted(await insert(owner, { items: itemsOf([a!]) }, key))
    const res = await insert(owner, { items: itemsOf([b!]) }, key)
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('invalid_request')
  })

  it('needs a well-formed Idempotency-Key and a valid body within the batch limit', async () => {
    const [p] = await photos(1)
    const missing = await insert(owner, { items: itemsOf([p!]) }, null)
    expect(missing.statusCode).toBe(428)
    expect(errorOf(missing.body).code).toBe('idempotency_key_required')
    for (const bad of ['short', 'has space in it', 'x'.repeat(129), 'emoji-😀-key']) {
      const res = await insert(owner, { items: itemsOf([p!]) }, bad)
      expect(res.statusCode, bad).toBe(400)
      expect(errorOf(res.body).code).toBe('invalid_request')
    }
    for (const body of [{}, { items: [] }, { items: [{ resourceToken: 1 }] }, { items: itemsOf([p!]), position: { where: 'after' } }]) {
      const res = await insert(owner, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(errorOf(res.body).code).toBe('invalid_request')
    }
    const tooMany = Array.from({ length: 11 }, () => ({ resourceToken: p!.resourceToken }))
    const res = await insert(owner, { items: tooMany })
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('invalid_request')
  })

  it('needs a session and the CSRF header', async () => {
    const [p] = await photos(1)
    const payload = { items: itemsOf([p!]) }
    const url = `/api/documents/${DOC}/insertions`
    const anonymous = await t.inject({ method: 'POST', url, headers: { 'idempotency-key': newKey() }, payload })
    expect(anonymous.statusCode).toBe(401)
    expect(errorOf(anonymous.body).code).toBe('unauthenticated')
    const noCsrf = await t.inject({ method: 'POST', url, headers: { cookie: owner.cookie, 'idempotency-key': newKey() }, payload })
    expect(noCsrf.statusCode).toBe(403)
    expect(errorOf(noCsrf.body).code).toBe('csrf_failed')
  })

  it('refuses forged tokens and tokens of another person or document before calling DingTalk', async () => {
    const [mine] = await photos(1)
    const [linas] = await photos(1, editor)
    const [otherDoc] = await photos(1, owner, OTHER_DOC)
    const forged = signResourceToken('not-the-server-secret-0123456789abcdef', {
      resourceId: mine!.resourceId,
      resourceUrl: mine!.resourceUrl,
      kind: 'image',
      name: 'x.png',
      mediaType: 'image/png',
      size: 1,
      docId: DOC,
      unionId: owner.user.unionId,
      issuedAt: t.clock.now(),
    })
    const callsBefore = (await getRequests(t.emulatorUrl)).length
    for (const token of [linas!.resourceToken, otherDoc!.resourceToken, forged, `${mine!.resourceToken}x`, 'garbage']) {
      const res = await insert(owner, { items: [{ resourceToken: mine!.resourceToken }, { resourceToken: token }] })
      expect(res.statusCode).toBe(400)
      expect(errorOf(res.body).code).toBe('resource_invalid')
    }
    expect((await getRequests(t.emulatorUrl)).slice(callsBefore)).toEqual([])
  })

  it('answers 404 for an unknown document and 403 for a reader', async () => {
    const [p] = await photos(1)
    const claims = {
      resourceId: p!.resourceId,
      resourceUrl: p!.resourceUrl,
      kind: 'image' as const,
      name: p!.name,
      mediaType: p!.mediaType,
      size: p!.size,
      issuedAt: t.clock.now(),
    }
    const ghost = signResourceToken(t.config.sessionSecret, { ...claims, docId: 'NoSuchDoc123', unionId: owner.user.unionId })
    const missing = await insert(owner, { items: [{ resourceToken: ghost }] }, newKey(), 'NoSuchDoc123')
    expect(missing.statusCode).toBe(404)
    expect(errorOf(missing.body).code).toBe('document_not_found')

    const readers = signResourceToken(t.config.sessionSecret, { ...claims, docId: DOC, unionId: reader.user.unionId })
    const forbidden = await insert(reader, { items: [{ resourceToken: readers }] })
    expect(forbidden.statusCode).toBe(403)
    expect(errorOf(forbidden.body).code).toBe('forbidden')
  })

  it('retries injected 503s transparently and never inserts twice', async () => {
    const batch = await photos(3)
    await addFault(t.emulatorUrl, { path: blocksPath(DOC), method: 'POST', status: 503, code: 'operationTimeout', times: 2 })
    const result = await inserted(await insert(owner, { items: itemsOf(batch) }))
    expect(result.blocks).toHaveLength(3)
    const srcs = (await documentBlocks(t.emulatorUrl, DOC)).map(describeBlock)
    for (const r of batch) expect(srcs.filter((s) => s === `img:${r.resourceUrl}`)).toHaveLength(1)
  })

  it('does not retry paramError; a refused attachment block falls back to a link', async () => {
    const [p] = await photos(1)
    await addFault(t.emulatorUrl, { path: blocksPath(DOC), method: 'POST', status: 400, code: 'paramError', times: 1 })
    const callsBefore = (await getRequests(t.emulatorUrl)).length
    const res = await insert(owner, { items: itemsOf([p!]) })
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('invalid_request')
    expect(writes((await getRequests(t.emulatorUrl)).slice(callsBefore))).toHaveLength(1)

    const pdf = await upload(t, owner, DOC, makePdf('fallback'), '说明.pdf')
    await addFault(t.emulatorUrl, { path: blocksPath(DOC), method: 'POST', status: 400, code: 'paramError', times: 1 })
    const result = await inserted(await insert(owner, { items: itemsOf([pdf]) }))
    const block = (await documentBlocks(t.emulatorUrl, DOC)).find((bl) => bl.id === result.blocks[0]?.blockId)
    expect(block && describeBlock(block)).toBe(`link:${pdf.resourceUrl}`)
    expect(JSON.stringify(block)).toContain('说明.pdf')
  })

  it('after a failure midway, reports what went in, and the same key finishes without duplicates', async () => {
    const batch = await photos(4)
    let writesLeft = 2
    let broken = true
    const flaky = await secondApp((api) => ({
      ...api,
      insertBlock: async (...args) => {
        if (broken && writesLeft-- <= 0) throw new DingTalkError({ status: 500, dingtalkCode: 'systemError', api: 'POST /blocks' })
        return api.insertBlock(...args)
      },
    }))
    try {
      const key = newKey()
      const body = { items: itemsOf(batch) }
      const failed = await insert(owner, body, key, DOC, flaky)
      expect(failed.statusCode).toBe(503)
      expect(Number(failed.headers['retry-after'])).toBeGreaterThan(0)
      const details = InsertionIncompleteDetailsSchema.parse(errorOf(failed.body).details)
      expect(details.blocks.map((bl) => bl.resourceId)).toEqual(batch.slice(0, 2).map((r) => r.resourceId))
      expect(details.pendingResourceIds).toEqual(batch.slice(2).map((r) => r.resourceId))

      // DingTalk works again; the same app, the same key.
      broken = false
      const mark = await callMark()
      const done = await inserted(await insert(owner, body, key, DOC, flaky))
      expect(done.blocks.slice(0, 2)).toEqual(details.blocks)
      // The journal knows which steps are in: no read before writing the rest.
      expect(kinds(await callsSince(mark))).toEqual(expectedKinds(2, { readBefore: false }))
      await expectOnceInOrder(batch)
    } finally {
      await flaky.close()
    }
  })

  it('takes a block that landed although DingTalk answered 503, instead of inserting it again', async () => {
    const batch = await photos(2)
    let lost = 1
    const lossy = await secondApp((api) => ({
      ...api,
      insertBlock: async (...args) => {
        const block = await api.insertBlock(...args)
        // The insert happened, but the answer never arrived (a gateway timeout).
        if (lost-- > 0)
          throw new DingTalkError({ status: 503, dingtalkCode: 'operationTimeout', api: 'POST /blocks', outcomeUnknown: true })
        return block
      },
    }))
    try {
      const result = await inserted(await insert(owner, { items: itemsOf(batch) }, newKey(), DOC, lossy))
      const blocks = await documentBlocks(t.emulatorUrl, DOC)
      for (const [i, r] of batch.entries()) {
        const holding = blocks.filter((bl) => describeBlock(bl) === `img:${r.resourceUrl}`)
        expect(holding.map((bl) => bl.id)).toEqual([result.blocks[i]?.blockId])
      }
    } finally {
      await lossy.close()
    }
  })

  it('finds the block when DingTalk confirms an insert without naming it (bare success)', async () => {
    const [p] = await photos(1)
    const pdf = await upload(t, owner, DOC, makePdf('bare'), 'bare.pdf')
    const bare = await secondApp((api) => ({
      ...api,
      insertBlock: async (...args) => {
        await api.insertBlock(...args)
        // What the client gives for DingTalk's bare `{"success":true}`.
        return null
      },
    }))
    try {
      const result = await inserted(await insert(owner, { items: itemsOf([p!, pdf], { 0: '无结果' }) }, newKey(), DOC, bare))
      const blocks = await documentBlocks(t.emulatorUrl, DOC)
      const shown = result.blocks.map((r) => describeBlock(blocks.find((bl) => bl.id === r.blockId)!))
      expect(shown).toEqual([`img:${p!.resourceUrl}`, 'file:bare.pdf'])
      expect(blocks.filter((bl) => describeBlock(bl) === '无结果')).toHaveLength(1)
    } finally {
      await bare.close()
    }
  })

  it('inserts a token into its document once: another key gets 409 resource_used with the block; the same key replays', async () => {
    const [a, b] = await photos(2)
    const key = newKey()
    const first = await inserted(await insert(owner, { items: itemsOf([a!]) }, key))
    const mark = await callMark()
    const again = await insert(owner, { items: itemsOf([b!, a!]) })
    expect(again.statusCode).toBe(409)
    const error = errorOf(again.body)
    expect(error.code).toBe('resource_used')
    const details = ResourceUsedDetailsSchema.parse(error.details)
    expect(details.blockId).toBe(first.blocks[0]?.blockId)
    expect(new Date(details.insertedAt).toISOString()).toBe(details.insertedAt)
    expect(writes(await callsSince(mark))).toEqual([])
    // The same batch again (a resend) is fine and inserts nothing.
    expect(await inserted(await insert(owner, { items: itemsOf([a!]) }, key, DOC, undefined, { 'idempotency-retry': 'true' }))).toEqual(
      first,
    )
    expect(writes(await callsSince(mark))).toEqual([])
    await expectOnceInOrder([a!])
  })

  it('when someone adds an empty line at the very spot while an answer is lost: finds ours where DingTalk shows content, else asks (409 insertion_uncertain)', async () => {
    const [p] = await photos(1)
    const someone = await t.signIn('lina')
    let lost = 1
    const app = await secondApp((api) => ({
      ...api,
      insertBlock: async (docId, unionId, request) => {
        const block = await api.insertBlock(docId, unionId, request)
        if (lost-- <= 0) return block
        // Someone else's empty line lands right after ours, then our answer is lost.
        await api.insertBlock(docId, someone.user.unionId, { element: { blockType: 'paragraph', paragraph: {}, children: [] } })
        throw new DingTalkError({ status: 503, dingtalkCode: 'operationTimeout', api: 'POST /blocks', outcomeUnknown: true })
      },
    }))
    try {
      const res = await insert(owner, { items: itemsOf([p!]) }, newKey(), DOC, app)
      if (profile === 'rich') {
        // Our photo shows in what DingTalk reads back: the empty line is someone else's.
        const done = await inserted(res)
        const blocks = await documentBlocks(t.emulatorUrl, DOC)
        expect(describeBlock(blocks.find((bl) => bl.id === done.blocks[0]?.blockId)!)).toBe(`img:${p!.resourceUrl}`)
        await expectOnceInOrder([p!])
        return
      }
      expect(res.statusCode, res.body).toBe(409)
      const error = errorOf(res.body)
      expect(error.code).toBe('insertion_uncertain')
      const details = InsertionUncertainDetailsSchema.parse(error.details)
      expect(details).toEqual({ blocks: [], uncertainResourceIds: [p!.resourceId], pendingResourceIds: [] })
      // Nothing was written twice; the person decides. A new batch with the same token is not refused.
      await expectOnceInOrder([p!])
      expect((await insert(owner, { items: itemsOf([p!]) }, newKey(), DOC, app)).statusCode).toBe(201)
    } finally {
      await app.close()
    }
  })

  it('when someone appends a line of text at the end while an answer is lost, still inserts exactly once in every profile', async () => {
    const batch = await photos(3)
    const someone = await t.signIn('lina')
    let writesSeen = 0
    const app = await secondApp((api) => ({
      ...api,
      insertBlock: async (docId, unionId, request) => {
        const block = await api.insertBlock(docId, unionId, request)
        if (++writesSeen !== 2) return block
        await api.insertBlock(docId, someone.user.unionId, {
          element: { blockType: 'paragraph', paragraph: {}, children: [{ text: '会议纪要' }] },
        })
        throw new DingTalkError({ status: 503, dingtalkCode: 'operationTimeout', api: 'POST /blocks', outcomeUnknown: true })
      },
    }))
    try {
      const done = await inserted(await insert(owner, { items: itemsOf(batch) }, newKey(), DOC, app))
      const blocks = await documentBlocks(t.emulatorUrl, DOC)
      const shown = done.blocks.map((r) => describeBlock(blocks.find((bl) => bl.id === r.blockId)!))
      expect(shown).toEqual(batch.map((r) => `img:${r.resourceUrl}`))
      const srcs = blocks.map(describeBlock)
      for (const r of batch) expect(srcs.filter((x) => x === `img:${r.resourceUrl}`)).toHaveLength(1)
      const at = batch.map((r) => srcs.indexOf(`img:${r.resourceUrl}`))
      expect([...at].sort((x, y) => x - y)).toEqual(at)
    } finally {
      await app.close()
    }
  })

  it('after a restart on the same journal, replays a finished batch without any DingTalk call', async () => {
    const journal = await journalDir()
    const before = await secondApp(undefined, await journal.open())
    const batch = await photos(2)
    const key = newKey()
    const body = { items: itemsOf(batch, { 1: '复查' }) }
    let first: InsertionResponse
    try {
      first = await inserted(await insert(owner, body, key, DOC, before))
    } finally {
      await before.close()
    }
    const restarted = await secondApp(undefined, await journal.open())
    try {
      const mark = await callMark()
      const again = await inserted(await insert(owner, body, key, DOC, restarted))
      expect(again).toEqual(first)
      expect(await callsSince(mark)).toEqual([])
    } finally {
      await restarted.close()
    }

    // The same key with other content after another restart (the in-memory key check is gone):
    // a new request, never the old result.
    const [other] = await photos(1)
    const third = await secondApp(undefined, await journal.open())
    try {
      const fresh = await inserted(await insert(owner, { items: itemsOf([other!]) }, key, DOC, third))
      expect(fresh.blocks.map((bl) => bl.resourceId)).toEqual([other!.resourceId])
      await expectOnceInOrder([other!])
    } finally {
      await third.close()
    }
  })

  it('finishes a batch exactly once after the process died mid-batch and a new one started on the same journal', async () => {
    const journal = await journalDir()
    const batch = await photos(5)
    const dying = await appDyingAfter(2, await journal.open())
    const key = newKey()
    const body = { items: itemsOf(batch) }
    try {
      const crashed = await insert(owner, body, key, DOC, dying)
      expect(crashed.statusCode).toBe(500)
    } finally {
      await dying.close()
    }
    const srcs = (await documentBlocks(t.emulatorUrl, DOC)).map(describeBlock)
    expect(batch.filter((r) => srcs.includes(`img:${r.resourceUrl}`))).toHaveLength(2)

    const restarted = await secondApp(undefined, await journal.open())
    try {
      const mark = await callMark()
      const done = await inserted(await insert(owner, body, key, DOC, restarted))
      expect(done.blocks.map((bl) => bl.resourceId)).toEqual(batch.map((r) => r.resourceId))
      // The new process knew a step was being written: it read the document once and inserted only the rest.
      expect(kinds(await callsSince(mark))).toEqual(expectedKinds(3, { readBefore: true }))
      await expectOnceInOrder(batch)

      const mark2 = await callMark()
      expect(await inserted(await insert(owner, body, key, DOC, restarted))).toEqual(done)
      expect(await callsSince(mark2)).toEqual([])
    } finally {
      await restarted.close()
    }
  })

  it('with an EMPTY journal and Idempotency-Retry: true, finishes exactly once where DingTalk shows content, else asks', async () => {
    // DATA_DIR did not survive (ephemeral disk, another instance): only the client knows it sent the key before.
    const batch = await photos(5)
    const dying = await appDyingAfter(2, createMemoryInsertionJournal())
    const key = newKey()
    const body = { items: itemsOf(batch) }
    try {
      expect((await insert(owner, body, key, DOC, dying)).statusCode).toBe(500)
    } finally {
      await dying.close()
    }
    const srcs = (await documentBlocks(t.emulatorUrl, DOC)).map(describeBlock)
    expect(batch.filter((r) => srcs.includes(`img:${r.resourceUrl}`))).toHaveLength(2)

    const fresh = await secondApp(undefined, createMemoryInsertionJournal())
    try {
      const mark = await callMark()
      const res = await insert(owner, body, key, DOC, fresh, { 'idempotency-retry': 'true' })
      if (profile === 'rich') {
        // The photos show in what DingTalk reads back: the two that are in are found, the rest go in after them.
        const done = await inserted(res)
        expect(done.blocks.map((bl) => bl.resourceId)).toEqual(batch.map((r) => r.resourceId))
        expect(kinds(await callsSince(mark))).toEqual(['GET blocks', 'POST blocks', 'POST blocks', 'POST blocks'])
        await expectOnceInOrder(batch)
        // The header on a key this process finished still replays, with no DingTalk call.
        const mark2 = await callMark()
        expect(await inserted(await insert(owner, body, key, DOC, fresh, { 'idempotency-retry': 'true' }))).toEqual(done)
        expect(await callsSince(mark2)).toEqual([])
      } else {
        // Our earlier photo paragraphs cannot be told from anyone's empty lines: a question, not a guess.
        expect(res.statusCode, res.body).toBe(409)
        const error = errorOf(res.body)
        expect(error.code).toBe('insertion_uncertain')
        const details = InsertionUncertainDetailsSchema.parse(error.details)
        expect(details.blocks).toEqual([])
        expect(details.uncertainResourceIds).toEqual(expect.arrayContaining(batch.slice(0, 2).map((r) => r.resourceId)))
        expect(writes(await callsSince(mark))).toEqual([])
        const after = (await documentBlocks(t.emulatorUrl, DOC)).map(describeBlock)
        for (const r of batch.slice(0, 2)) expect(after.filter((s) => s === `img:${r.resourceUrl}`)).toHaveLength(1)
      }
    } finally {
      await fresh.close()
    }
  })

  it('a first attempt reads only as the profile needs, also with Idempotency-Retry when the journal is older than the batch', async () => {
    const attempts: Array<Record<string, string>> = [{}, { 'idempotency-retry': 'false' }, { 'idempotency-retry': 'true' }]
    for (const extra of attempts) {
      const batch = await photos(2)
      const mark = await callMark()
      const result = await inserted(await insert(owner, { items: itemsOf(batch) }, newKey(), DOC, undefined, extra))
      expect(result.blocks.map((bl) => bl.resourceId)).toEqual(batch.map((r) => r.resourceId))
      // The journal has been here since before these tokens: no record means no earlier attempt.
      expect(kinds(await callsSince(mark))).toEqual(expectedKinds(2))
      await expectOnceInOrder(batch)
    }
  })

  it('writes nothing to DingTalk when the journal cannot record the first step, and answers 500', async () => {
    const journal = createMemoryInsertionJournal()
    const app = await secondApp(undefined, {
      ...journal,
      put: async () => {
        throw new Error('disk full')
      },
    })
    try {
      const [p] = await photos(1)
      const mark = await callMark()
      const res = await insert(owner, { items: itemsOf([p!]) }, newKey(), DOC, app)
      expect(res.statusCode).toBe(500)
      expect(errorOf(res.body).code).toBe('internal_error')
      expect(writes(await callsSince(mark))).toEqual([])
    } finally {
      await app.close()
    }
  })

  it('still answers 201 when the result cannot be recorded; a later retry rebuilds it from the steps and inserts nothing', async () => {
    const journal = createMemoryInsertionJournal()
    const forgetful = await secondApp(undefined, {
      ...journal,
      put: async (id, record) => {
        if (record.state === 'done') throw new Error('disk full')
        return journal.put(id, record)
      },
    })
    const batch = await photos(2)
    const key = newKey()
    const body = { items: itemsOf(batch) }
    let first: InsertionResponse
    try {
      first = await inserted(await insert(owner, body, key, DOC, forgetful))
    } finally {
      await forgetful.close()
    }
    const restarted = await secondApp(undefined, journal)
    try {
      const mark = await callMark()
      expect(await inserted(await insert(owner, body, key, DOC, restarted))).toEqual(first)
      expect(await callsSince(mark)).toEqual([])
      await expectOnceInOrder(batch)
    } finally {
      await restarted.close()
    }
  })
})
