/**
 * The emulator driven by the official `@alicloud/dingtalk` SDK, configured exactly as a real
 * client would be (only `endpoint`/`protocol` differ): the SDK sends chunked JSON bodies and
 * parses every response into its models, so shapes and error envelopes are checked by it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, createManualClock, type ManualClock } from './index'
import { SEED } from './seed'
import { doc, oauth2, postJson, runtime, sdkClients, sdkError, wiki } from '@testing/emulator-sdk'

let url: string
let close: () => Promise<void>
let clock: ManualClock
let clients: ReturnType<typeof sdkClients>
let token: string

const zhang = SEED.users.zhangwei.unionId
const wang = SEED.users.wangfang.unionId
const sitePhotos = SEED.docs.sitePhotos.docId

const docHeaders = () => new doc.GetResourceUploadInfoHeaders({ xAcsDingtalkAccessToken: token })

beforeAll(async () => {
  clock = createManualClock(Date.UTC(2026, 10, 1))
  const emu = await startEmulator({ clock })
  url = emu.url
  close = emu.close
  clients = sdkClients(url)
})
afterAll(() => close())

beforeEach(async () => {
  await postJson(`${url}/__emulator/reset`, {})
  const res = await clients.oauth.getAccessToken(
    new oauth2.GetAccessTokenRequest({ appKey: 'ding-emulator-app', appSecret: 'emulator-secret' }),
  )
  token = res.body?.accessToken ?? ''
})

/** Asks for an upload slot through the SDK and PUTs `bytes` to it, as the server does. */
async function upload(bytes: Buffer, mediaType: string, name: string) {
  const res = await clients.doc.getResourceUploadInfoWithOptions(
    sitePhotos,
    new doc.GetResourceUploadInfoRequest({ operatorId: zhang, size: bytes.length, mediaType, resourceName: name }),
    docHeaders(),
    runtime(),
  )
  const info = res.body?.result
  if (!info?.uploadUrl || !info.resourceUrl || !info.resourceId) throw new Error('no upload info')
  const put = await fetch(info.uploadUrl, { method: 'PUT', headers: { 'content-type': mediaType }, body: new Uint8Array(bytes) })
  expect(put.status).toBe(200)
  return { uploadUrl: info.uploadUrl, resourceUrl: info.resourceUrl, resourceId: info.resourceId }
}

describe('GetAccessToken (oauth2_1_0)', () => {
  it('returns a 7200 s token, the same one on a repeat call inside the TTL', async () => {
    const req = new oauth2.GetAccessTokenRequest({ appKey: 'ding-emulator-app', appSecret: 'emulator-secret' })
    const first = await clients.oauth.getAccessToken(req)
    expect(first.statusCode).toBe(200)
    expect(first.body?.expireIn).toBe(7200)
    clock.advance(3600_000)
    const again = await clients.oauth.getAccessToken(req)
    expect(again.body?.accessToken).toBe(first.body?.accessToken)
  })

  it('mints a new token once the old one expired, and the old one is refused', async () => {
    const req = new oauth2.GetAccessTokenRequest({ appKey: 'ding-emulator-app', appSecret: 'emulator-secret' })
    const old = token
    clock.advance(7201_000)
    const err = await sdkError(() =>
      clients.doc.docBlocksQueryWithOptions(sitePhotos, new doc.DocBlocksQueryRequest({ operatorId: zhang }), docHeaders(), runtime()),
    )
    expect(err.statusCode).toBe(400)
    expect(err.code).toBe('InvalidAuthentication')
    const fresh = await clients.oauth.getAccessToken(req)
    expect(fresh.body?.accessToken).not.toBe(old)
  })

  it('rejects a wrong secret with 400 invalidClientIdOrSecret', async () => {
    const err = await sdkError(() =>
      clients.oauth.getAccessToken(new oauth2.GetAccessTokenRequest({ appKey: 'ding-emulator-app', appSecret: 'nope' })),
    )
    expect(err.statusCode).toBe(400)
    expect(err.code).toBe('invalidClientIdOrSecret')
    expect(err.data.requestid).toBeTruthy()
  })
})

describe('GetResourceUploadInfo (doc_1_0)', () => {
  const request = (over: Record<string, unknown> = {}) =>
    new doc.GetResourceUploadInfoRequest({ operatorId: zhang, size: 200, mediaType: 'image/jpeg', resourceName: 'logo.jpg', ...over })

  it('returns uploadUrl, resourceId and a relative resourceUrl', async () => {
    const res = await clients.doc.getResourceUploadInfoWithOptions(sitePhotos, request(), docHeaders(), runtime())
    expect(res.body?.success).toBe(true)
    const result = res.body?.result
    expect(result?.resourceUrl).toBe(`/core/api/resources/img/${result?.resourceId}`)
    const uploadUrl = new URL(result?.uploadUrl ?? '')
    expect(uploadUrl.origin).toBe(url)
    expect(uploadUrl.pathname).toBe(`/__oss/${result?.resourceId}`)
    expect(Number(uploadUrl.searchParams.get('Expires'))).toBe(Math.floor(clock.now() / 1000) + 900)
    expect(uploadUrl.searchParams.get('Signature')).toBeTruthy()
    expect(uploadUrl.searchParams.get('OSSAccessKeyId')).toBeTruthy()
  })

  it('answers 400 paramError for a bad body', async () => {
    const err = await sdkError(() =>
      clients.doc.getResourceUploadInfoWithOptions(sitePhotos, request({ size: -5 }), docHeaders(), runtime()),
    )
    expect(err.statusCode).toBe(400)
    expect(err.code).toBe('paramError')
    expect(err.data.message).toContain('size')
  })

  it('answers 403 permissionDenied for a reader', async () => {
    const err = await sdkError(() =>
      clients.doc.getResourceUploadInfoWithOptions(sitePhotos, request({ operatorId: wang }), docHeaders(), runtime()),
    )
    expect(err.statusCode).toBe(403)
    expect(err.code).toBe('permissionDenied')
  })

  it('answers 404 docNotExist for an unknown document', async () => {
    const err = await sdkError(() =>
      clients.doc.getResourceUploadInfoWithOptions('NoSuchDoc0000000000000000000000', request(), docHeaders(), runtime()),
    )
    expect(err.statusCode).toBe(404)
    expect(err.code).toBe('docNotExist')
  })

  it.each([
    ['systemError', 500],
    ['unknownError', 500],
    ['operationTimeout', 503],
  ])('passes on an injected %s with HTTP %i', async (code, status) => {
    await postJson(`${url}/__emulator/faults`, { path: '/v1.0/doc/docs/resources/', code, times: 1 })
    const err = await sdkError(() => clients.doc.getResourceUploadInfoWithOptions(sitePhotos, request(), docHeaders(), runtime()))
    expect(err.statusCode).toBe(status)
    expect(err.code).toBe(code)
    // The fault was for one call only.
    const ok = await clients.doc.getResourceUploadInfoWithOptions(sitePhotos, request(), docHeaders(), runtime())
    expect(ok.body?.success).toBe(true)
  })
})

describe('blocks (doc_1_0)', () => {
  it('inserts an image paragraph after a real upload, lists it, and appends another image', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
    const first = await upload(png, 'image/png', 'photo-1.png')
    const inserted = await clients.doc.docInsertBlocksWithOptions(
      sitePhotos,
      new doc.DocInsertBlocksRequest({
        operatorId: zhang,
        element: { blockType: 'paragraph', paragraph: {}, children: [{ elementType: 'image', properties: { src: first.resourceUrl } }] },
      }),
      new doc.DocInsertBlocksHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    const block = inserted.body?.result?.data as { id: string; index: number; blockType: string }
    expect(block.blockType).toBe('paragraph')
    expect(block.index).toBe(2) // after the seeded heading and paragraph

    const listed = await clients.doc.docBlocksQueryWithOptions(
      sitePhotos,
      new doc.DocBlocksQueryRequest({ operatorId: zhang }),
      new doc.DocBlocksQueryHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    const data = listed.body?.result?.data as Array<{ id: string; index: number; children?: unknown[] }>
    expect(data.map((b) => b.index)).toEqual([0, 1, 2])
    expect(data[2]?.id).toBe(block.id)
    expect(data[2]?.children).toEqual([{ elementType: 'image', properties: { src: first.resourceUrl } }])

    const second = await upload(Buffer.from('ffd8ffe000104a464946', 'hex'), 'image/jpeg', 'photo-2.jpg')
    const appended = await clients.doc.docAppendParagraphWithOptions(
      sitePhotos,
      block.id,
      new doc.DocAppendParagraphRequest({ operatorId: zhang, elementType: 'image', properties: { src: second.resourceUrl } }),
      new doc.DocAppendParagraphHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(appended.body?.result?.data).toMatchObject({ elementType: 'image', index: 1, parentId: block.id })

    const html = await fetch(`${url}/__emulator/documents/${sitePhotos}`).then((r) => r.text())
    expect(html).toContain(`<img src="${first.resourceUrl}"`)
    expect(html).toContain(`<img src="${second.resourceUrl}"`)
    // The image bytes are served at resourceUrl with the registered type.
    const img = await fetch(`${url}${first.resourceUrl}`)
    expect(img.headers.get('content-type')).toBe('image/png')
    expect(Buffer.from(new Uint8Array(await img.arrayBuffer()))).toEqual(png)
  })

  it('refuses a reader with 403 forbidden.accessDenied', async () => {
    const err = await sdkError(() =>
      clients.doc.docInsertBlocksWithOptions(
        sitePhotos,
        new doc.DocInsertBlocksRequest({ operatorId: wang, element: { blockType: 'paragraph', paragraph: { text: 'x' } } }),
        new doc.DocInsertBlocksHeaders({ xAcsDingtalkAccessToken: token }),
        runtime(),
      ),
    )
    expect(err.statusCode).toBe(403)
    expect(err.code).toBe('forbidden.accessDenied')
  })
})

describe('wiki_2_0 and doc_1_0 listings', () => {
  const wikiHeaders = () => new wiki.ListWorkspacesHeaders({ xAcsDingtalkAccessToken: token })

  it('ListWorkspaces lists the knowledge bases the operator can see, with roles', async () => {
    const res = await clients.wiki.listWorkspacesWithOptions(
      new wiki.ListWorkspacesRequest({ operatorId: zhang, withPermissionRole: true, maxResults: 30 }),
      wikiHeaders(),
      runtime(),
    )
    const names = (res.body?.workspaces ?? []).map((w) => `${w.name}:${w.permissionRole}`)
    expect(names).toEqual(expect.arrayContaining(['产品研发中心:OWNER', '市场部资料:READER', '行政与人事:READER']))
    expect(names).toHaveLength(3)
  })

  it('GetMineWorkspace returns the personal 我的文档', async () => {
    const res = await clients.wiki.getMineWorkspaceWithOptions(
      new wiki.GetMineWorkspaceRequest({ operatorId: zhang }),
      wikiHeaders(),
      runtime(),
    )
    expect(res.body?.workspace?.workspaceId).toBe(SEED.personal.zhangwei.workspaceId)
    expect(res.body?.workspace?.type).toBe('PERSONAL')
  })

  it('ListNodes, GetNode and GetNodeByUrl describe documents with their role', async () => {
    const listed = await clients.wiki.listNodesWithOptions(
      new wiki.ListNodesRequest({ operatorId: wang, parentNodeId: SEED.workspaces.product.rootNodeId, withPermissionRole: true }),
      wikiHeaders(),
      runtime(),
    )
    const photos = listed.body?.nodes?.find((n) => n.nodeId === sitePhotos)
    expect(photos).toMatchObject({
      type: 'FILE',
      category: 'ALIDOC',
      extension: 'adoc',
      permissionRole: 'READER',
      url: SEED.docs.sitePhotos.url,
    })
    const folder = listed.body?.nodes?.find((n) => n.nodeId === SEED.folders.requirements.nodeId)
    expect(folder).toMatchObject({ type: 'FOLDER', hasChildren: true })

    const node = await clients.wiki.getNodeWithOptions(
      sitePhotos,
      new wiki.GetNodeRequest({ operatorId: zhang, withPermissionRole: true }),
      wikiHeaders(),
      runtime(),
    )
    expect(node.body?.node?.permissionRole).toBe('OWNER')

    const byUrl = await clients.wiki.getNodeByUrlWithOptions(
      new wiki.GetNodeByUrlRequest({
        operatorId: zhang,
        url: SEED.docs.brandGuide.url,
        option: new wiki.GetNodeByUrlRequestOption({ withPermissionRole: true }),
      }),
      wikiHeaders(),
      runtime(),
    )
    expect(byUrl.body?.node).toMatchObject({ nodeId: SEED.docs.brandGuide.docId, permissionRole: 'READER' })

    const err = await sdkError(() =>
      clients.wiki.getNodeWithOptions(
        'NoSuchNode000000000000000000000',
        new wiki.GetNodeRequest({ operatorId: zhang }),
        wikiHeaders(),
        runtime(),
      ),
    )
    expect(err.statusCode).toBe(404)
    expect(err.code).toBe('nodeNotExist')
  })

  it('GetRecentEditDocs and SearchWorkspaceDocs parse in the SDK models', async () => {
    const headers = new doc.GetRecentEditDocsHeaders({ xAcsDingtalkAccessToken: token })
    const recent = await clients.doc.getRecentEditDocsWithOptions(
      new doc.GetRecentEditDocsRequest({ operatorId: wang, maxResults: 10 }),
      headers,
      runtime(),
    )
    expect(recent.body?.recentList?.map((r) => r.nodeBO?.nodeId)).toEqual(
      expect.arrayContaining([SEED.docs.releasePlan.docId, SEED.docs.brandGuide.docId]),
    )
    const found = await clients.doc.searchWorkspaceDocsWithOptions(
      new doc.SearchWorkspaceDocsRequest({ operatorId: zhang, keyword: 'release', maxResults: 10 }),
      new doc.SearchWorkspaceDocsHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(found.body?.docs?.map((d) => d.nodeBO?.name)).toEqual(['Q3 Release Plan'])
    expect(found.body?.hasMore).toBe(false)
  })
})
