/**
 * Browsing and finding documents: wiki v2 (docs/dingtalk.md#wiki) and doc_1_0 listings
 * (docs/dingtalk.md#recent-and-search-lists). Pagination is real (tokens, limits), and nobody sees what they have no role on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEmulator } from './index'
import { SEED } from './seed'
import type { Json } from '@testing/emulator-sdk'

const { app } = buildEmulator()
let token: string

const zhang = SEED.users.zhangwei.unionId
const chen = SEED.users.chenjing.unionId
const liu = SEED.users.liuyang.unionId

async function get(url: string): Promise<{ status: number; body: Json }> {
  const res = await app.inject({ method: 'GET', url, headers: { 'x-acs-dingtalk-access-token': token } })
  return { status: res.statusCode, body: res.json() }
}

/** Follows nextToken to the end; returns every page's items. */
async function allPages(base: string, key: string): Promise<Json[][]> {
  const pages: Json[][] = []
  let next: string | undefined
  do {
    const { status, body } = await get(next ? `${base}&nextToken=${encodeURIComponent(next)}` : base)
    expect(status).toBe(200)
    pages.push(body[key])
    next = body.nextToken
  } while (next && pages.length < 100)
  return pages
}

beforeAll(async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1.0/oauth2/accessToken',
    payload: { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' },
  })
  token = res.json().accessToken
})
afterAll(() => app.close())

describe('wiki workspaces', () => {
  it('pages through the knowledge bases an operator belongs to', async () => {
    const pages = await allPages(`/v2.0/wiki/workspaces?operatorId=${zhang}&maxResults=1`, 'workspaces')
    expect(pages.map((p) => p.length)).toEqual([1, 1, 1])
    expect(
      pages
        .flat()
        .map((w) => w.workspaceId)
        .sort(),
    ).toEqual([SEED.workspaces.product.workspaceId, SEED.workspaces.marketing.workspaceId, SEED.workspaces.hr.workspaceId].sort())
    const chenSees = (await get(`/v2.0/wiki/workspaces?operatorId=${chen}&withPermissionRole=true`)).body.workspaces
    expect(chenSees.map((w: Json) => `${w.name}:${w.permissionRole}`).sort()).toEqual(['市场部资料:EDITOR', '行政与人事:READER'])
  })

  it('validates maxResults, orderBy, nextToken and operatorId', async () => {
    for (const query of ['maxResults=31', 'maxResults=0', 'maxResults=ten', 'orderBy=NAME', 'nextToken=bogus', 'withPermissionRole=yes']) {
      const res = await get(`/v2.0/wiki/workspaces?operatorId=${zhang}&${query}`)
      expect(res.status, query).toBe(400)
      expect(res.body.code).toBe('paramError')
    }
    expect((await get('/v2.0/wiki/workspaces')).body.code).toBe('paramError')
    expect((await get('/v2.0/wiki/workspaces?operatorId=stranger')).status).toBe(400)
  })

  it('orders by creation time when asked', async () => {
    const list = (await get(`/v2.0/wiki/workspaces?operatorId=${zhang}&orderBy=CREATE_TIME_DESC`)).body.workspaces
    const times = list.map((w: Json) => Date.parse(w.createTime))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
  })
})

describe('wiki nodes', () => {
  it('pages a folder of 55 documents as 50 + 5 (the documented maximum)', async () => {
    const base = `/v2.0/wiki/nodes?operatorId=${zhang}&parentNodeId=${SEED.folders.meetings.nodeId}`
    const pages = await allPages(base, 'nodes')
    expect(pages.map((p) => p.length)).toEqual([50, 5])
    expect(new Set(pages.flat().map((n) => n.nodeId)).size).toBe(SEED.meetingNoteCount)
    expect(pages[0]?.[0]).toMatchObject({
      name: '产品周会纪要 第01期',
      nodeId: SEED.docs.meetingNote01.docId,
      type: 'FILE',
      category: 'ALIDOC',
      extension: 'adoc',
    })
    expect(pages[0]?.[0]).not.toHaveProperty('permissionRole')
    expect((await get(`${base}&maxResults=51`)).status).toBe(400)
  })

  it('walks two folder levels down and shows roles when asked', async () => {
    const q3 = (
      await get(
        `/v2.0/wiki/nodes?operatorId=${SEED.users.wangfang.unionId}&parentNodeId=${SEED.folders.requirements.nodeId}&withPermissionRole=true`,
      )
    ).body.nodes
    expect(q3.map((n: Json) => `${n.type}:${n.name}:${n.permissionRole}`)).toEqual([
      'FOLDER:2026 Q3:READER',
      'FOLDER:归档:READER',
      'FILE:需求模板:READER',
    ])
    const inner = (
      await get(`/v2.0/wiki/nodes?operatorId=${SEED.users.wangfang.unionId}&parentNodeId=${SEED.folders.q3.nodeId}&withPermissionRole=true`)
    ).body.nodes
    expect(inner.find((n: Json) => n.nodeId === SEED.docs.releasePlan.docId).permissionRole).toBe('EDITOR')
    const archive = (await get(`/v2.0/wiki/nodes?operatorId=${zhang}&parentNodeId=${SEED.folders.archive2025.nodeId}`)).body.nodes
    expect(archive.map((n: Json) => n.nodeId)).toEqual([SEED.docs.annualReview.docId])
  })

  it('hides nodes without a role and answers the documented errors', async () => {
    const hr = (await get(`/v2.0/wiki/nodes?operatorId=${zhang}&parentNodeId=${SEED.workspaces.hr.rootNodeId}`)).body.nodes
    expect(hr.map((n: Json) => n.nodeId)).not.toContain(SEED.docs.salaryPlan.docId)
    const liuSees = (await get(`/v2.0/wiki/nodes?operatorId=${liu}&parentNodeId=${SEED.workspaces.hr.rootNodeId}`)).body.nodes
    expect(liuSees.map((n: Json) => n.nodeId)).toContain(SEED.docs.salaryPlan.docId)

    expect((await get(`/v2.0/wiki/nodes?operatorId=${chen}&parentNodeId=${SEED.workspaces.product.rootNodeId}`)).body.code).toBe(
      'permissionDenied',
    )
    expect((await get(`/v2.0/wiki/nodes?operatorId=${zhang}&parentNodeId=NoSuchParent0000000000000000000`)).body).toMatchObject({
      code: 'parentNodeNotExist',
    })
    expect((await get(`/v2.0/wiki/nodes?operatorId=${zhang}`)).body.code).toBe('paramError')
    const salary = await get(`/v2.0/wiki/nodes/${SEED.docs.salaryPlan.docId}?operatorId=${zhang}`)
    expect(salary).toMatchObject({ status: 403, body: { code: 'permissionDenied' } })
  })

  it('resolves alidocs links, and refuses other links', async () => {
    const byUrl = (url: unknown) =>
      app.inject({
        method: 'POST',
        url: `/v2.0/wiki/nodes/queryByUrl?operatorId=${zhang}`,
        headers: { 'x-acs-dingtalk-access-token': token },
        payload: { url },
      })
    const ok = await byUrl(`${SEED.docs.weeklyReport.url}?utm_source=dingtalk#anchor`)
    expect(ok.json().node).toMatchObject({ nodeId: SEED.docs.weeklyReport.docId, name: '项目周报' })
    expect((await byUrl('https://alidocs.dingtalk.com/i/nodes/NoSuchNode00000000000000000000')).json().code).toBe('nodeNotExist')
    expect((await byUrl('https://example.com/i/nodes/abc')).json().code).toBe('paramError')
    expect((await byUrl(42)).json().code).toBe('paramError')
  })
})

describe('doc_1_0 search and recent edits', () => {
  it('searches names case-insensitively and pages the results', async () => {
    const pages = await allPages(`/v1.0/doc/docs?operatorId=${zhang}&keyword=${encodeURIComponent('纪要')}&maxResults=20`, 'docs')
    expect(pages.map((p) => p.length)).toEqual([20, 20, 15])
    const upper = (await get(`/v1.0/doc/docs?operatorId=${zhang}&keyword=MOBILE%20upload&maxResults=5`)).body
    expect(upper).toMatchObject({ hasMore: false, docs: [{ nodeBO: { nodeId: SEED.docs.uploadSpec.docId, name: 'Mobile Upload Spec' } }] })
    expect(upper.docs[0].workspaceBO).toEqual({ workspaceId: SEED.workspaces.product.workspaceId, name: '产品研发中心' })
  })

  it('only finds what the operator can read, optionally within one workspace', async () => {
    const salary = (who: string) => get(`/v1.0/doc/docs?operatorId=${who}&keyword=${encodeURIComponent('薪酬')}&maxResults=5`)
    expect((await salary(zhang)).body.docs).toEqual([])
    expect((await salary(liu)).body.docs).toHaveLength(1)
    const inMarketing = (
      await get(`/v1.0/doc/docs?operatorId=${zhang}&keyword=a&workspaceId=${SEED.workspaces.marketing.workspaceId}&maxResults=50`)
    ).body.docs
    expect(inMarketing.length).toBeGreaterThan(0)
    expect(inMarketing.every((d: Json) => d.workspaceBO.workspaceId === SEED.workspaces.marketing.workspaceId)).toBe(true)
    expect((await get(`/v1.0/doc/docs?operatorId=${zhang}&maxResults=5`)).body.code).toBe('paramError')
  })

  it('lists recently edited documents, newest first, with doc_1_0 field types', async () => {
    const { recentList, nextToken } = (await get(`/v1.0/doc/workspaces/docs/recentEditDocs?operatorId=${chen}&maxResults=2`)).body
    expect(recentList).toHaveLength(2)
    expect(nextToken).toEqual(expect.any(String))
    const [first, second] = recentList
    expect(first.nodeBO.lastEditTime).toBeGreaterThanOrEqual(second.nodeBO.lastEditTime)
    expect(first.nodeBO).toMatchObject({
      nodeId: expect.any(String),
      nodeName: expect.any(String),
      createTime: expect.any(Number),
      isDeleted: false,
    })
    expect(first.workspaceBO).toMatchObject({ workspaceId: expect.any(String), workspaceName: expect.any(String) })
  })
})

describe('mine workspace', () => {
  it("is the operator's own 我的文档", async () => {
    for (const [key, user] of Object.entries(SEED.users)) {
      const { workspace } = (await get(`/v2.0/wiki/mineWorkspaces?operatorId=${user.unionId}`)).body
      expect(workspace).toMatchObject({
        workspaceId: SEED.personal[key as keyof typeof SEED.personal].workspaceId,
        name: '我的文档',
        type: 'PERSONAL',
        permissionRole: 'OWNER',
      })
    }
    const mine = (await get(`/v2.0/wiki/nodes?operatorId=${zhang}&parentNodeId=${SEED.personal.zhangwei.rootNodeId}`)).body.nodes
    expect(mine.map((n: Json) => n.nodeId)).toContain(SEED.docs.personalNotes.docId)
    expect((await get(`/v2.0/wiki/nodes?operatorId=${chen}&parentNodeId=${SEED.personal.zhangwei.rootNodeId}`)).status).toBe(403)
  })
})
