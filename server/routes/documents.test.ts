import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEED } from '../emulator/seed'
import { createTestApp, type SignedIn, type TestApp } from '@testing/test-app'

let t: TestApp
let zhang: SignedIn
let wang: SignedIn

beforeAll(async () => {
  t = await createTestApp()
  zhang = await t.signIn('zhangwei')
  wang = await t.signIn('wangfang')
})
afterAll(async () => {
  await t.close()
})

interface Page<T> {
  items: T[]
  nextCursor: string | null
}
interface NodeItem {
  docId: string
  name: string
  kind: string
  url: string
  editable: boolean
  hasChildren: boolean
}

const get = (who: SignedIn, url: string) => t.inject({ method: 'GET', url, headers: { cookie: who.cookie } })
const resolve = (who: SignedIn, payload: unknown) =>
  t.inject({ method: 'POST', url: '/api/documents/resolve', headers: who.headers, payload: payload as object })

async function emulatorPaths(): Promise<string[]> {
  const r = await fetch(`${t.emulatorUrl}/__emulator/requests`)
  return ((await r.json()) as { items: { path: string }[] }).items.map((i) => i.path)
}

describe('without a session', () => {
  it.each([
    ['GET', '/api/session'],
    ['DELETE', '/api/session'],
    ['GET', '/api/workspaces'],
    ['GET', `/api/nodes?parentId=${SEED.workspaces.product.rootNodeId}`],
    ['GET', '/api/documents'],
    ['GET', '/api/documents?q=plan'],
    ['POST', '/api/documents/resolve'],
    ['GET', `/api/documents/${SEED.docs.weeklyReport.docId}/blocks`],
    ['POST', `/api/documents/${SEED.docs.weeklyReport.docId}/resources`],
    ['POST', `/api/documents/${SEED.docs.weeklyReport.docId}/insertions`],
  ] as const)('%s %s answers 401 unauthenticated', async (method, url) => {
    const r = await t.inject({ method, url, payload: method === 'POST' ? { url: 'x' } : undefined })
    expect(r.statusCode).toBe(401)
    expect(r.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String), requestId: r.headers['x-request-id'] } })
  })
})

describe('GET /api/workspaces', () => {
  it('lists my documents first, then the knowledge bases I can see', async () => {
    const r = await get(zhang, '/api/workspaces')
    expect(r.statusCode).toBe(200)
    const body = r.json<Page<{ workspaceId: string; name: string; rootNodeId: string; type: string }>>()
    expect(body.items[0]).toEqual({ ...SEED.personal.zhangwei, type: 'PERSONAL' })
    const ids = body.items.map((w) => w.workspaceId)
    expect(ids).toEqual(expect.arrayContaining([SEED.workspaces.product.workspaceId, SEED.workspaces.marketing.workspaceId]))
    expect(new Set(ids).size).toBe(ids.length)
    expect(body.nextCursor).toBeNull()
  })

  it('only shows what the signed-in person can see, whatever operatorId the browser sends', async () => {
    // 陈静 is not in 产品研发中心; asking "as" 张伟 must not reveal it.
    const chen = await t.signIn('chenjing')
    const r = await get(chen, `/api/workspaces?operatorId=${SEED.users.zhangwei.unionId}&unionId=${SEED.users.zhangwei.unionId}`)
    expect(r.statusCode).toBe(200)
    const ids = r.json<Page<{ workspaceId: string }>>().items.map((w) => w.workspaceId)
    expect(ids).not.toContain(SEED.workspaces.product.workspaceId)
    expect(ids[0]).toBe(SEED.personal.chenjing.workspaceId)
  })

  it('refuses a garbage cursor with 400 invalid_request', async () => {
    const r = await get(zhang, '/api/workspaces?cursor=not-a-cursor')
    expect(r.statusCode).toBe(400)
    expect(r.json().error.code).toBe('invalid_request')
  })
})

describe('GET /api/nodes', () => {
  it('lists a knowledge base root with kinds, editability from my role, and children', async () => {
    const r = await get(zhang, `/api/nodes?parentId=${SEED.workspaces.product.rootNodeId}`)
    expect(r.statusCode).toBe(200)
    const items = r.json<Page<NodeItem>>().items
    const byId = new Map(items.map((n) => [n.docId, n]))
    expect(byId.get(SEED.docs.weeklyReport.docId)).toEqual({
      docId: SEED.docs.weeklyReport.docId,
      name: '项目周报',
      kind: 'document',
      url: `${t.emulatorUrl}/__emulator/documents/${SEED.docs.weeklyReport.docId}`,
      editable: true,
      hasChildren: false,
    })
    expect(byId.get(SEED.folders.requirements.nodeId)).toMatchObject({ kind: 'folder', hasChildren: true, editable: false })
    expect(byId.get(SEED.files.designPdf.nodeId)).toMatchObject({ kind: 'other', editable: false })
  })

  it('marks documents read-only for a reader and editable where the reader is an editor', async () => {
    const root = (await get(wang, `/api/nodes?parentId=${SEED.workspaces.product.rootNodeId}`)).json<Page<NodeItem>>()
    expect(root.items.find((n) => n.docId === SEED.docs.weeklyReport.docId)?.editable).toBe(false)
    const q3 = (await get(wang, `/api/nodes?parentId=${SEED.folders.q3.nodeId}`)).json<Page<NodeItem>>()
    expect(q3.items.find((n) => n.docId === SEED.docs.releasePlan.docId)?.editable).toBe(true)
    expect(q3.items.find((n) => n.docId === SEED.docs.uploadSpec.docId)?.editable).toBe(false)
  })

  it('pages through a large folder with opaque cursors', async () => {
    const first = await get(zhang, `/api/nodes?parentId=${SEED.folders.meetings.nodeId}`)
    const page1 = first.json<Page<NodeItem>>()
    expect(page1.items).toHaveLength(50)
    expect(page1.nextCursor).toEqual(expect.any(String))
    const second = await get(
      zhang,
      `/api/nodes?parentId=${SEED.folders.meetings.nodeId}&cursor=${encodeURIComponent(page1.nextCursor ?? '')}`,
    )
    const page2 = second.json<Page<NodeItem>>()
    expect(page2.items).toHaveLength(SEED.meetingNoteCount - 50)
    expect(page2.nextCursor).toBeNull()
    const all = [...page1.items, ...page2.items].map((n) => n.docId)
    expect(new Set(all).size).toBe(SEED.meetingNoteCount)
    // A cursor belongs to its folder.
    const misused = await get(zhang, `/api/nodes?parentId=${SEED.folders.q3.nodeId}&cursor=${encodeURIComponent(page1.nextCursor ?? '')}`)
    expect(misused.statusCode).toBe(400)
    expect(misused.json().error.code).toBe('invalid_request')
  })

  it('answers 400 without parentId, 404 not_found for an unknown folder, 403 forbidden for one I cannot see', async () => {
    const missing = await get(zhang, '/api/nodes')
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error.code).toBe('invalid_request')
    expect(missing.json().error.message).toMatch(/parentId/)
    const unknown = await get(zhang, '/api/nodes?parentId=doesNotExist123')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error.code).toBe('not_found')
    const chen = await t.signIn('chenjing')
    const hidden = await get(chen, `/api/nodes?parentId=${SEED.workspaces.product.rootNodeId}`)
    expect(hidden.statusCode).toBe(403)
    expect(hidden.json().error.code).toBe('forbidden')
  })
})

describe('GET /api/documents', () => {
  it('lists recently edited documents when q is empty', async () => {
    const r = await get(zhang, '/api/documents')
    expect(r.statusCode).toBe(200)
    const body = r.json<Page<{ docId: string; name: string; url: string; workspaceName: string }>>()
    expect(body.items.length).toBeGreaterThan(0)
    const workspaceNames = [SEED.workspaces.product.name, SEED.workspaces.marketing.name, SEED.workspaces.hr.name, '我的文档']
    for (const d of body.items) {
      expect(d.url).toBe(`${t.emulatorUrl}/__emulator/documents/${d.docId}`)
      expect(workspaceNames).toContain(d.workspaceName)
    }
    expect(body.items).toContainEqual({
      docId: SEED.docs.personalNotes.docId,
      name: '我的笔记',
      url: `${t.emulatorUrl}/__emulator/documents/${SEED.docs.personalNotes.docId}`,
      workspaceName: '我的文档',
    })
  })

  it('searches by keyword', async () => {
    const r = await get(zhang, `/api/documents?q=${encodeURIComponent('Release')}`)
    expect(r.statusCode).toBe(200)
    const names = r.json<Page<{ name: string }>>().items.map((d) => d.name)
    expect(names).toContain('Q3 Release Plan')
    expect(names.every((n) => /release/i.test(n))).toBe(true)
  })

  it('pages through recent documents, and a recent cursor is refused for a search', async () => {
    const first = (await get(zhang, '/api/documents')).json<Page<{ docId: string }>>()
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = (await get(zhang, `/api/documents?cursor=${encodeURIComponent(first.nextCursor ?? '')}`)).json<Page<{ docId: string }>>()
    expect(second.items.length).toBeGreaterThan(0)
    expect(second.items.map((d) => d.docId)).not.toContain(first.items[0]?.docId)
    const misused = await get(zhang, `/api/documents?q=plan&cursor=${encodeURIComponent(first.nextCursor ?? '')}`)
    expect(misused.statusCode).toBe(400)
  })

  it('lists the signed-in person’s documents even when the browser names someone else', async () => {
    const mine = (await get(zhang, '/api/documents')).json<Page<{ docId: string }>>()
    const spoofed = await t.inject({
      method: 'GET',
      url: `/api/documents?operatorId=${SEED.users.liuyang.unionId}`,
      headers: { cookie: zhang.cookie, 'x-union-id': SEED.users.liuyang.unionId, operatorid: SEED.users.liuyang.unionId },
    })
    expect(spoofed.statusCode).toBe(200)
    expect(spoofed.json<Page<{ docId: string }>>().items).toEqual(mine.items)
    const liu = (await get(await t.signIn('liuyang'), '/api/documents')).json<Page<{ docId: string }>>()
    expect(liu.items).not.toEqual(mine.items)
  })
})

describe('POST /api/documents/resolve', () => {
  it('resolves an alidocs link locally (GetNode, not GetNodeByUrl)', async () => {
    const before = (await emulatorPaths()).filter((p) => p.endsWith('/queryByUrl')).length
    const r = await resolve(zhang, { url: `  ${SEED.docs.weeklyReport.url}?spm=a1.b2  ` })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toEqual({
      docId: SEED.docs.weeklyReport.docId,
      name: '项目周报',
      url: `${t.emulatorUrl}/__emulator/documents/${SEED.docs.weeklyReport.docId}`,
      editable: true,
    })
    expect((await emulatorPaths()).filter((p) => p.endsWith('/queryByUrl')).length).toBe(before)
  })

  it('resolves the sandbox document view link too', async () => {
    const r = await resolve(zhang, { url: `${t.emulatorUrl}/__emulator/documents/${SEED.docs.releasePlan.docId}` })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toMatchObject({ docId: SEED.docs.releasePlan.docId, editable: true })
  })

  it('sends any other https link to GetNodeByUrl', async () => {
    const r = await resolve(zhang, { url: `https://localhost/i/nodes/${SEED.docs.sitePhotos.docId}` })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toMatchObject({ docId: SEED.docs.sitePhotos.docId, name: '现场照片记录', editable: true })
    expect((await emulatorPaths()).some((p) => p.endsWith('/v2.0/wiki/nodes/queryByUrl'))).toBe(true)
  })

  it('says a read-only document is not editable', async () => {
    const r = await resolve(zhang, { url: SEED.docs.brandGuide.url })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toMatchObject({ docId: SEED.docs.brandGuide.docId, editable: false })
  })

  it.each([
    ['plain text', 'weekly report'],
    ['a non-web scheme', 'ftp://alidocs.dingtalk.com/i/nodes/abc'],
    ['an http link elsewhere', 'http://example.com/doc'],
    ['a link DingTalk does not know', 'https://example.com/some/page'],
    ['a folder', SEED.folders.requirements.url],
  ])('answers 400 invalid_url for %s', async (_name, url) => {
    const r = await resolve(zhang, { url })
    expect(r.statusCode).toBe(400)
    expect(r.json().error.code).toBe('invalid_url')
  })

  it('answers 404 document_not_found for an unknown document and 403 forbidden for one I cannot see', async () => {
    const unknown = await resolve(zhang, { url: 'https://alidocs.dingtalk.com/i/nodes/NoSuchDocument0000000000000' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error.code).toBe('document_not_found')
    const hidden = await resolve(zhang, { url: SEED.docs.salaryPlan.url })
    expect(hidden.statusCode).toBe(403)
    expect(hidden.json().error.code).toBe('forbidden')
  })

  it('resolves as the signed-in person whatever operatorId the body carries', async () => {
    // 薪酬方案 is visible to 刘洋 only.
    const r = await resolve(zhang, {
      url: SEED.docs.salaryPlan.url,
      operatorId: SEED.users.liuyang.unionId,
      unionId: SEED.users.liuyang.unionId,
    })
    expect(r.statusCode).toBe(403)
  })

  it('answers 400 invalid_request for a missing or non-string url', async () => {
    expect((await resolve(zhang, {})).json().error.code).toBe('invalid_request')
    expect((await resolve(zhang, { url: 12 })).statusCode).toBe(400)
  })
})

describe('GET /api/documents/:docId/blocks', () => {
  it('lists the top-level blocks with their text', async () => {
    const r = await get(zhang, `/api/documents/${SEED.docs.weeklyReport.docId}/blocks`)
    expect(r.statusCode).toBe(200)
    const items = r.json<{ items: { blockId: string; index: number; type: string; text: string }[] }>().items
    expect(items.map((b) => [b.index, b.type, b.text])).toEqual([
      [0, 'heading', '项目周报'],
      [1, 'paragraph', '本周进展：完成移动端上传流程联调。'],
      [2, 'heading', '下周计划'],
      [3, 'paragraph', '灰度发布并收集一线反馈。'],
    ])
    expect(new Set(items.map((b) => b.blockId)).size).toBe(4)
  })

  it('answers 404 document_not_found, 403 forbidden and 400 for a malformed id', async () => {
    const unknown = await get(zhang, '/api/documents/NoSuchDocument0000000000000/blocks')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error.code).toBe('document_not_found')
    const hidden = await get(zhang, `/api/documents/${SEED.docs.salaryPlan.docId}/blocks`)
    expect(hidden.statusCode).toBe(403)
    expect(hidden.json().error.code).toBe('forbidden')
    const malformed = await get(zhang, `/api/documents/${encodeURIComponent('../etc')}/blocks`)
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().error.code).toBe('invalid_request')
  })
})

describe('workspace pages', () => {
  it('passes DingTalk’s nextToken through an opaque cursor, with my documents only on the first page', async () => {
    // The seed has fewer knowledge bases than one DingTalk page (30), so page DingTalk's answer here.
    const { buildApp } = await import('../app')
    const seen: (string | undefined)[] = []
    const workspace = (n: number) => ({ workspaceId: `ws${n}`, rootNodeId: `root${n}`, name: `KB ${n}`, type: 'TEAM' })
    const dingtalk = {
      getUserByAuthCode: async () => ({ userId: 'u1', unionId: 'union-u1', name: 'Test' }),
      getMineWorkspace: async () => ({ workspaceId: 'mine', rootNodeId: 'mineRoot', name: '我的文档', type: 'PERSONAL' }),
      listWorkspaces: async (_operatorId: string, opts: { nextToken?: string }) => {
        seen.push(opts.nextToken)
        return opts.nextToken === 'dt-page-2'
          ? { items: [workspace(3)], nextToken: null }
          : { items: [workspace(1), workspace(2)], nextToken: 'dt-page-2' }
      },
    } as unknown as Parameters<typeof buildApp>[0]['dingtalk']
    const app = await buildApp({ config: t.config, dingtalk, logger: false, staticRoot: null })
    try {
      const session = await app.inject({ method: 'POST', url: '/api/session', payload: { authCode: 'any' } })
      const cookie = String(session.headers['set-cookie']).split(';')[0] ?? ''
      const first = (await app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie } })).json<Page<{ workspaceId: string }>>()
      expect(first.items.map((w) => w.workspaceId)).toEqual(['mine', 'ws1', 'ws2'])
      expect(first.nextCursor).not.toContain('dt-page-2')
      const second = (
        await app.inject({
          method: 'GET',
          url: `/api/workspaces?cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
          headers: { cookie },
        })
      ).json<Page<{ workspaceId: string }>>()
      expect(second).toEqual({ items: [{ workspaceId: 'ws3', rootNodeId: 'root3', name: 'KB 3', type: 'TEAM' }], nextCursor: null })
      expect(seen).toEqual([undefined, 'dt-page-2'])
    } finally {
      await app.close()
    }
  })
})
