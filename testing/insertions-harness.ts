/**
 * What the insertion route tests (server/routes/insertions-*.test.ts) share: one test app per
 * emulator answer profile with three signed-in people, photos uploaded through the app, the
 * insertion request itself, a second app on the same emulator (a restart, another instance, or a
 * DingTalk client that misbehaves on purpose), and the DingTalk calls a batch made.
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { ErrorBodySchema, InsertionResponseSchema, type InsertionResponse, type ResourceResponse } from '@contract/api'
import { buildApp } from '../server/app'
import type { DingTalkApi } from '../server/dingtalk/types'
import type { Profile } from '../server/emulator/index'
import { SEED } from '../server/emulator/seed'
import type { InsertionJournal } from '../server/services/insertion/insertion-journal'
import { describeBlock, documentBlocks, upload } from './app-helpers'
import { getRequests, type LoggedRequest } from './emulator-control'
import { makePng } from './sample-files'
import { createTestApp, emulatorDingTalkClient, type SignedIn, type TestApp } from './test-app'

export const DOC = SEED.docs.sitePhotos.docId
export const OTHER_DOC = SEED.docs.weeklyReport.docId
export const blocksPath = (docId: string) => `/v1.0/doc/suites/documents/${docId}/blocks`
export const writes = (calls: LoggedRequest[]) => calls.filter((c) => c.method === 'POST' && c.path.startsWith('/v1.0/doc/suites/'))
/** Open-API calls as DingTalk bills them (not the token, the upload URL or the emulator's control API). */
const billed = (calls: LoggedRequest[]) =>
  calls.filter((c) => /^\/(v1\.0|v2\.0|topapi)\//.test(c.path) && c.path !== '/v1.0/oauth2/accessToken')
/** `GET blocks`, `POST blocks`, `POST append`, `POST uploadInfos`: what each call was, compactly. */
export const kinds = (calls: LoggedRequest[]) =>
  billed(calls).map((c) => {
    if (c.path.endsWith('/appendElement')) return `${c.method} append`
    if (c.path.includes('/uploadInfos/')) return `${c.method} uploadInfos`
    if (/\/blocks$/.test(c.path)) return `${c.method} blocks`
    return `${c.method} ${c.path}`
  })

let seq = 0
export const newKey = () => `key-${Date.now()}-${++seq}`

export function errorOf(body: string) {
  return ErrorBodySchema.parse(JSON.parse(body)).error
}

export interface InsertionsHarness {
  readonly t: TestApp
  /** zhangwei, who owns DOC and OTHER_DOC. */
  readonly owner: SignedIn
  /** lina, who may edit DOC. */
  readonly editor: SignedIn
  /** wangfang, who may only read DOC. */
  readonly reader: SignedIn
  /** Uploads one new PNG (never the same bytes twice) through the app. */
  photo(who?: SignedIn, docId?: string, name?: string): Promise<ResourceResponse>
  /** `n` new photos, one after another (MAX_CONCURRENT_UPLOADS_PER_PERSON). */
  photos(n: number, who?: SignedIn, docId?: string): Promise<ResourceResponse[]>
  /** POST /api/documents/:docId/insertions with a fresh Idempotency-Key unless `key` says otherwise (`null`: none). */
  insert(
    who: SignedIn,
    body: unknown,
    key?: string | null,
    docId?: string,
    app?: FastifyInstance,
    extra?: Record<string, string>,
  ): ReturnType<TestApp['inject']>
  /** The parsed 201 answer; fails the test on any other status. */
  inserted(res: { statusCode: number; body: string }): Promise<InsertionResponse>
  /** The request items for these resources, with captions by index. */
  itemsOf(resources: ResourceResponse[], captions?: Record<number, string>): Array<{ resourceToken: string; caption?: string }>
  /**
   * A second app on the same emulator and secret: what a restart or another instance looks like.
   * With `journal` it shares that insertion journal (a restart on the same DATA_DIR).
   */
  secondApp(wrap?: (api: DingTalkApi) => DingTalkApi, journal?: InsertionJournal): Promise<FastifyInstance>
  /**
   * The DingTalk calls of a batch that writes `posts` blocks: a read before the first write unless
   * DingTalk is known to echo content (rich, once an app has seen an answer), and a read after the
   * last write when answers are bare (minimal).
   */
  expectedKinds(posts: number, opts?: { freshApp?: boolean; readBefore?: boolean }): string[]
  /** How many calls the emulator has logged so far. */
  callMark(): Promise<number>
  /** The calls the emulator logged since `mark`. */
  callsSince(mark: number): Promise<LoggedRequest[]>
  /** Each resource's image exactly once in DOC, in batch order, side by side. */
  expectOnceInOrder(batch: ResourceResponse[]): Promise<void>
}

/** Registers the hooks of one profile's describe block and returns what its tests use. */
export function useInsertionsHarness(profile: Profile): InsertionsHarness {
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
  const photos = async (n: number, who?: SignedIn, docId?: string) => {
    const out: ResourceResponse[] = []
    for (let i = 0; i < n; i++) out.push(await photo(who, docId))
    return out
  }

  return {
    get t() {
      return t
    },
    get owner() {
      return owner
    },
    get editor() {
      return editor
    },
    get reader() {
      return reader
    },
    photo,
    photos,
    insert(who, body, key = newKey(), docId = DOC, app, extra = {}) {
      const headers: Record<string, string> = { ...who.headers, ...extra }
      if (key !== null) headers['idempotency-key'] = key
      const opts = { method: 'POST' as const, url: `/api/documents/${docId}/insertions`, headers, payload: body as object }
      return app ? app.inject(opts) : t.inject(opts)
    },
    async inserted(res) {
      expect(res.statusCode, res.body).toBe(201)
      return InsertionResponseSchema.parse(JSON.parse(res.body))
    },
    itemsOf: (resources, captions = {}) =>
      resources.map((r, i) => ({ resourceToken: r.resourceToken, ...(captions[i] ? { caption: captions[i] } : {}) })),
    secondApp(wrap = (api) => api, journal) {
      return buildApp({
        config: t.config,
        dingtalk: wrap(emulatorDingTalkClient(t.emulatorUrl)),
        logger: false,
        clock: t.clock,
        staticRoot: null,
        ...(journal ? { insertionJournal: journal } : {}),
      })
    },
    expectedKinds: (posts, opts = {}) => [
      ...((opts.readBefore ?? (profile !== 'rich' || opts.freshApp)) ? ['GET blocks'] : []),
      ...Array.from({ length: posts }, () => 'POST blocks'),
      ...(profile === 'minimal' ? ['GET blocks'] : []),
    ],
    callMark: async () => (await getRequests(t.emulatorUrl)).length,
    callsSince: async (mark) => (await getRequests(t.emulatorUrl)).slice(mark),
    async expectOnceInOrder(batch) {
      const srcs = (await documentBlocks(t.emulatorUrl, DOC)).map(describeBlock)
      for (const r of batch) expect(srcs.filter((s) => s === `img:${r.resourceUrl}`)).toHaveLength(1)
      const positions = batch.map((r) => srcs.indexOf(`img:${r.resourceUrl}`))
      expect(positions[positions.length - 1]! - positions[0]!).toBe(batch.length - 1)
      expect([...positions].sort((x, y) => x - y)).toEqual(positions)
    },
  }
}
