/**
 * Choosing a document and a position when DingTalk answers only as its documentation shows
 * (emulator profiles `documented` and `minimal`, docs/dingtalk.md#answer-profiles), and signing in
 * when oapi accepts only the legacy token: never a 502 for a documented answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEED } from '../emulator/seed'
import { createTestApp, emulatorDingTalkClient, type SignedIn, type TestApp } from '@testing/test-app'
import { upload } from '@testing/app-helpers'
import { makePdf, makePng } from '@testing/sample-files'

const DOC = SEED.docs.sitePhotos.docId

describe.each(['documented', 'minimal'] as const)('with the %s profile', (profile) => {
  let t: TestApp
  let zhang: SignedIn
  beforeAll(async () => {
    t = await createTestApp({ emulator: { profile } })
    zhang = await t.signIn('zhangwei')
  })
  afterAll(async () => {
    await t.close()
  })
  const get = (who: SignedIn, url: string) => t.inject({ method: 'GET', url, headers: { cookie: who.cookie } })

  it('lists every root block: an attachment as other, a picture-only paragraph with empty text', async () => {
    const pdf = await upload(t, zhang, DOC, makePdf('plan'), 'plan.pdf')
    const png = await upload(t, zhang, DOC, await makePng(7), 'site.png')
    const dingtalk = emulatorDingTalkClient(t.emulatorUrl)
    const unionId = zhang.user.unionId
    await dingtalk.insertBlock(DOC, unionId, {
      element: { blockType: 'paragraph', paragraph: {}, children: [{ elementType: 'image', properties: { src: png.resourceUrl } }] },
    })
    await dingtalk.insertBlock(DOC, unionId, {
      element: { blockType: 'attachment', attachment: { resourceId: pdf.resourceId, type: 'application/pdf', name: 'plan.pdf' } },
    })

    const r = await get(zhang, `/api/documents/${DOC}/blocks`)
    expect(r.statusCode).toBe(200)
    const items = r.json<{ items: { blockId: string; index: number; type: string; text: string }[] }>().items
    expect(items.slice(-2).map((b) => [b.type, b.text])).toEqual([
      ['paragraph', ''],
      ['other', ''],
    ])
    expect(items.map((b) => b.index)).toEqual(items.map((_, i) => i))
  })

  it('lists documents, knowledge bases and folders, empty lists included', async () => {
    expect((await get(zhang, '/api/documents')).statusCode).toBe(200)
    const none = await get(zhang, '/api/documents?q=no-document-is-called-this')
    expect(none.statusCode).toBe(200)
    expect(none.json()).toEqual({ items: [], nextCursor: null })
    expect((await get(zhang, '/api/workspaces')).statusCode).toBe(200)
    const nodes = await get(zhang, `/api/nodes?parentId=${SEED.workspaces.product.rootNodeId}`)
    expect(nodes.statusCode).toBe(200)
  })
})

describe('oapi accepting only the legacy token', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ emulator: { oapiToken: 'legacy' } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('signs people in (falling back to the legacy token once, then using it)', async () => {
    expect((await t.signIn('zhangwei')).user.userId).toBe(SEED.users.zhangwei.userId)
    expect((await t.signIn('wangfang')).user.userId).toBe(SEED.users.wangfang.userId)
    const calls = (await (await fetch(`${t.emulatorUrl}/__emulator/requests`)).json()) as { items: { path: string }[] }
    expect(calls.items.filter((c) => c.path === '/gettoken')).toHaveLength(1)
    expect(calls.items.filter((c) => c.path === '/topapi/v2/user/getuserinfo')).toHaveLength(3)
  })
})
