/**
 * Answer profiles (README "Answer profiles"): what DocBlocksQuery, DocInsertBlocks,
 * DocAppendParagraph and the list APIs show in `rich`, `documented` and `minimal`, read through the
 * official SDK (which must parse every profile's answers), while `/__emulator/state` and the HTML
 * view keep the whole truth.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PROFILES, startEmulator, type Profile, type RunningEmulator } from './index'
import { encodePageToken } from './routes/params'
import { SEED } from './seed'
import { doc, getJson, postJson, runtime, sdkClients, wiki, type Json } from '@testing/emulator-sdk'

const zhang = SEED.users.zhangwei.unionId
const sitePhotos = SEED.docs.sitePhotos.docId
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
const PDF = Buffer.from('%PDF-1.4\n%\xe2\xe3\n', 'latin1')

describe.each(PROFILES)('profile %s', (profile: Profile) => {
  let emu: RunningEmulator
  let clients: ReturnType<typeof sdkClients>
  let token: string
  const headers = () => ({ 'x-acs-dingtalk-access-token': token })
  const sdkHeaders = () => new doc.DocBlocksQueryHeaders({ xAcsDingtalkAccessToken: token })

  beforeAll(async () => {
    emu = await startEmulator({ profile })
    clients = sdkClients(emu.url)
    token = (await postJson(`${emu.url}/v1.0/oauth2/accessToken`, { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' })).body
      .accessToken
  })
  afterAll(() => emu.close())
  beforeEach(async () => {
    await postJson(`${emu.url}/__emulator/reset`, {})
  })

  /** Asks for an upload slot and PUTs the bytes, as the server does; returns the slot. */
  async function upload(bytes: Buffer, mediaType: string, name: string): Promise<{ resourceId: string; resourceUrl: string }> {
    const info = await postJson(
      `${emu.url}/v1.0/doc/docs/resources/${sitePhotos}/uploadInfos/query?operatorId=${zhang}`,
      { size: bytes.length, mediaType, resourceName: name },
      headers(),
    )
    const put = await fetch(info.body.result.uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: new Uint8Array(bytes),
    })
    expect(put.status).toBe(200)
    return info.body.result
  }

  /** DocInsertBlocks through the SDK; returns its parsed body. */
  async function insert(element: Record<string, unknown>) {
    const res = await clients.doc.docInsertBlocksWithOptions(
      sitePhotos,
      new doc.DocInsertBlocksRequest({ operatorId: zhang, element }),
      new doc.DocInsertBlocksHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(res.statusCode).toBe(200)
    return res.body
  }

  async function queryBlocks(): Promise<Json[]> {
    const res = await clients.doc.docBlocksQueryWithOptions(
      sitePhotos,
      new doc.DocBlocksQueryRequest({ operatorId: zhang }),
      sdkHeaders(),
      runtime(),
    )
    expect(res.body?.success).toBe(true)
    return res.body?.result?.data ?? []
  }

  /** The document as `/__emulator/state` shows it. */
  async function truth(): Promise<Json[]> {
    const state = await getJson(`${emu.url}/__emulator/state`)
    return state.body.documents.find((d: Json) => d.docId === sitePhotos).blocks
  }

  it('DocInsertBlocks answers as the profile says, and the stored block keeps its children', async () => {
    const photo = await upload(PNG, 'image/png', 'photo.png')
    const image = { elementType: 'image', properties: { src: photo.resourceUrl } }
    const body = await insert({ blockType: 'paragraph', paragraph: {}, children: [image] })
    expect(body?.success).toBe(true)
    if (profile === 'minimal') {
      expect(body?.result).toBeUndefined()
    } else {
      const data = body?.result?.data as Json
      expect(data).toMatchObject({ blockType: 'paragraph', index: 2 })
      expect(typeof data.id).toBe('string')
      if (profile === 'rich') expect(data.children).toEqual([image])
      else expect(data).toEqual({ blockType: 'paragraph', paragraph: { text: '' }, id: data.id, index: 2 })
    }
    const stored = (await truth())[2]
    expect(stored).toMatchObject({ blockType: 'paragraph', index: 2, children: [image] })
  })

  it('DocBlocksQuery shows children only in rich; undocumented types read "Undefined" otherwise', async () => {
    const photo = await upload(PNG, 'image/png', 'photo.png')
    const pdf = await upload(PDF, 'application/pdf', 'plan.pdf')
    const image = { elementType: 'image', properties: { src: photo.resourceUrl } }
    await insert({ blockType: 'paragraph', paragraph: {}, children: [image] })
    await insert({
      blockType: 'paragraph',
      paragraph: {},
      children: [
        { text: 'Site ' },
        { text: 'north', bold: true },
        { elementType: 'link', properties: { href: 'https://example.com' }, children: [{ text: ' gate' }] },
      ],
    })
    const attachment = { resourceId: pdf.resourceId, type: 'application/pdf', name: 'plan.pdf', viewType: 'preview' }
    await insert({ blockType: 'attachment', attachment })

    const blocks = await queryBlocks()
    expect(blocks.map((b) => b.index)).toEqual([0, 1, 2, 3, 4])
    const ids = (await truth()).map((b: Json) => b.id)
    expect(blocks.map((b) => b.id)).toEqual(ids)
    if (profile === 'rich') {
      expect(blocks[2]).toMatchObject({ blockType: 'paragraph', children: [image] })
      expect(blocks[4]).toMatchObject({ blockType: 'attachment', attachment })
    } else {
      for (const block of blocks) expect(block).not.toHaveProperty('children')
      expect(blocks[0]).toMatchObject({ blockType: 'heading', heading: { text: expect.any(String) } })
      expect(blocks[2]).toEqual({ blockType: 'paragraph', paragraph: { text: '' }, id: ids[2], index: 2 })
      expect(blocks[3]).toEqual({ blockType: 'paragraph', paragraph: { text: 'Site north gate' }, id: ids[3], index: 3 })
      expect(blocks[4]).toEqual({ blockType: 'Undefined', id: ids[4], index: 4 })
    }

    // The truth and the HTML view show everything, whatever the profile.
    const stored = await truth()
    expect(stored[2]).toMatchObject({ children: [image] })
    expect(stored[4]).toMatchObject({ blockType: 'attachment', attachment })
    const html = await fetch(`${emu.url}/__emulator/documents/${sitePhotos}`).then((r) => r.text())
    expect(html).toContain(`<img src="${photo.resourceUrl}"`)
    expect(html).toContain('plan.pdf')
    expect(html).toContain('north')
  })

  it('DocBlocksQuery filters by the type the profile shows', async () => {
    const pdf = await upload(PDF, 'application/pdf', 'plan.pdf')
    await insert({ blockType: 'attachment', attachment: { resourceId: pdf.resourceId, type: 'application/pdf', name: 'plan.pdf' } })
    const base = `${emu.url}/v1.0/doc/suites/documents/${sitePhotos}/blocks?operatorId=${zhang}`
    const attachments = await getJson(`${base}&blockType=attachment`, headers())
    const undefinedOnes = await getJson(`${base}&blockType=Undefined`, headers())
    expect(attachments.status).toBe(200)
    expect(undefinedOnes.status).toBe(200)
    expect(attachments.body.result.data).toHaveLength(profile === 'rich' ? 1 : 0)
    expect(undefinedOnes.body.result.data).toHaveLength(profile === 'rich' ? 0 : 1)
  })

  it('DocAppendParagraph answers the element, or a bare success in minimal', async () => {
    const first = await upload(PNG, 'image/png', 'one.png')
    const second = await upload(PNG, 'image/png', 'two.png')
    await insert({ blockType: 'paragraph', paragraph: {}, children: [{ elementType: 'image', properties: { src: first.resourceUrl } }] })
    const blockId = (await truth())[2].id
    const res = await clients.doc.docAppendParagraphWithOptions(
      sitePhotos,
      blockId,
      new doc.DocAppendParagraphRequest({ operatorId: zhang, elementType: 'image', properties: { src: second.resourceUrl } }),
      new doc.DocAppendParagraphHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(res.body?.success).toBe(true)
    if (profile === 'minimal') expect(res.body?.result).toBeUndefined()
    else expect(res.body?.result?.data).toMatchObject({ elementType: 'image', index: 1, parentId: blockId })
    expect((await truth())[2].children).toHaveLength(2)
  })

  it('leaves empty lists out outside rich, and the SDK still parses them', async () => {
    const empty = encodePageToken(1000)
    const wikiHeaders = new wiki.ListWorkspacesHeaders({ xAcsDingtalkAccessToken: token })
    const answers = {
      workspaces: await getJson(`${emu.url}/v2.0/wiki/workspaces?operatorId=${zhang}&nextToken=${empty}`, headers()),
      nodes: await getJson(`${emu.url}/v2.0/wiki/nodes?operatorId=${zhang}&parentNodeId=${sitePhotos}`, headers()),
      recentList: await getJson(`${emu.url}/v1.0/doc/workspaces/docs/recentEditDocs?operatorId=${zhang}&nextToken=${empty}`, headers()),
      docs: await getJson(`${emu.url}/v1.0/doc/docs?operatorId=${zhang}&keyword=no-such-document-name`, headers()),
    }
    for (const [key, answer] of Object.entries(answers)) {
      expect(answer.status).toBe(200)
      if (profile === 'rich') expect(answer.body[key]).toEqual([])
      else expect(answer.body).not.toHaveProperty(key)
    }
    expect(answers.docs.body.hasMore).toBe(false)

    const workspaces = await clients.wiki.listWorkspacesWithOptions(
      new wiki.ListWorkspacesRequest({ operatorId: zhang, nextToken: empty }),
      wikiHeaders,
      runtime(),
    )
    expect(workspaces.body?.workspaces ?? []).toEqual([])
    const recent = await clients.doc.getRecentEditDocsWithOptions(
      new doc.GetRecentEditDocsRequest({ operatorId: zhang, maxResults: 10, nextToken: empty }),
      new doc.GetRecentEditDocsHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(recent.body?.recentList ?? []).toEqual([])
    const nodes = await clients.wiki.listNodesWithOptions(
      new wiki.ListNodesRequest({ operatorId: zhang, parentNodeId: sitePhotos }),
      wikiHeaders,
      runtime(),
    )
    expect(nodes.body?.nodes ?? []).toEqual([])
    const found = await clients.doc.searchWorkspaceDocsWithOptions(
      new doc.SearchWorkspaceDocsRequest({ operatorId: zhang, keyword: 'no-such-document-name', maxResults: 10 }),
      new doc.SearchWorkspaceDocsHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(found.body?.docs ?? []).toEqual([])
    expect(found.body?.hasMore).toBe(false)

    // Lists that have items are unchanged.
    const listed = await getJson(`${emu.url}/v2.0/wiki/workspaces?operatorId=${zhang}`, headers())
    expect(listed.body.workspaces.length).toBeGreaterThan(0)
  })
})
