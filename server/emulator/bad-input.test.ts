/**
 * Bad input gets a DingTalk-shaped error, never a crash or a 500: missing and mistyped fields,
 * unknown documents and blocks, unknown block types, and every way an upload URL can be misused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createManualClock, startEmulator, type ManualClock } from './index'
import { SEED } from './seed'
import { chunkedRequest, getJson, postJson, type Json } from '@testing/emulator-sdk'

let url: string
let close: () => Promise<void>
let clock: ManualClock
let token: string
let auth: Record<string, string>

const zhang = SEED.users.zhangwei.unionId
const lina = SEED.users.lina.unionId
const chen = SEED.users.chenjing.unionId
const sitePhotos = SEED.docs.sitePhotos.docId
const weekly = SEED.docs.weeklyReport.docId

beforeAll(async () => {
  clock = createManualClock(Date.UTC(2026, 10, 2))
  const emu = await startEmulator({ clock })
  url = emu.url
  close = emu.close
})
afterAll(() => close())
beforeEach(async () => {
  await postJson(`${url}/__emulator/reset`, {})
  const res = await postJson(`${url}/v1.0/oauth2/accessToken`, { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' })
  token = res.body.accessToken
  auth = { 'x-acs-dingtalk-access-token': token }
})

const uploadInfoUrl = (docId: string, operatorId: string | null = zhang) =>
  `${url}/v1.0/doc/docs/resources/${docId}/uploadInfos/query${operatorId ? `?operatorId=${operatorId}` : ''}`
const blocksUrl = (docId: string, operatorId = zhang) => `${url}/v1.0/doc/suites/documents/${docId}/blocks?operatorId=${operatorId}`

/** A DingTalk v1.0 error body. */
function expectApiError(res: { status: number; body: Json }, status: number, code: string) {
  expect(res.status).toBe(status)
  expect(res.body).toMatchObject({ code, message: expect.any(String), requestid: expect.any(String) })
  expect(res.body.message.length).toBeGreaterThan(0)
}

async function slot(size: number, mediaType = 'image/png', docId = sitePhotos) {
  const res = await postJson(uploadInfoUrl(docId), { size, mediaType, resourceName: 'x.png' }, auth)
  expect(res.status).toBe(200)
  return res.body.result as { uploadUrl: string; resourceId: string; resourceUrl: string }
}

async function put(uploadUrl: string, body: string | Buffer, contentType = 'image/png') {
  const res = await fetch(uploadUrl, {
    method: 'PUT',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  })
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag') }
}

describe('tokens and login', () => {
  it('refuses API calls without, or with an unknown, token', async () => {
    expectApiError(await getJson(blocksUrl(weekly)), 400, 'InvalidAuthentication')
    expectApiError(await getJson(blocksUrl(weekly), { 'x-acs-dingtalk-access-token': 'forged' }), 400, 'InvalidAuthentication')
  })

  it.each([
    ['missing fields', {}],
    ['wrong types', { appKey: 1, appSecret: true }],
    ['an array', [1, 2]],
  ])('answers 400 paramError to an accessToken body with %s', async (_name, body) => {
    expectApiError(await postJson(`${url}/v1.0/oauth2/accessToken`, body), 400, 'paramError')
  })

  it('answers oapi token errors with errcode 40014 (unknown) and 42001 (expired), HTTP 200', async () => {
    const unknown = await postJson(`${url}/topapi/v2/user/getuserinfo?access_token=nope`, { code: 'x' })
    expect(unknown).toMatchObject({ status: 200, body: { errcode: 40014 } })
    const legacy = await getJson(`${url}/gettoken?appkey=ding-emulator-app&appsecret=emulator-secret`)
    expect(legacy.body).toMatchObject({ errcode: 0, access_token: token, expires_in: 7200 })
    const wrong = await getJson(`${url}/gettoken?appkey=ding-emulator-app&appsecret=guess`)
    expect(wrong).toMatchObject({ status: 200, body: { errcode: 40001 } })
    clock.advance(7200_000 + 1000)
    const expired = await postJson(`${url}/topapi/v2/user/getuserinfo?access_token=${token}`, { code: 'x' })
    expect(expired).toMatchObject({ status: 200, body: { errcode: 42001 } })
  })

  it('takes the auth code from a JSON body, a form body, or the query; each code once', async () => {
    const code = async () => (await postJson(`${url}/__emulator/auth-codes`, { userId: 'lina' })).body.authCode as string
    const endpoint = `${url}/topapi/v2/user/getuserinfo?access_token=${token}`
    const json = await postJson(endpoint, { code: await code() }, { 'content-type': 'application/json; charset=utf-8' })
    expect(json.body.result).toMatchObject({ userid: 'lina', unionid: lina, name: '李娜' })
    const form = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `code=${await code()}`,
    }).then((r) => r.json() as Promise<{ result: { userid: string } }>)
    expect(form.result.userid).toBe('lina')
    const spent = await code()
    const query = await fetch(`${endpoint}&code=${spent}`, { method: 'POST' }).then(
      (r) => r.json() as Promise<{ result: { userid: string } }>,
    )
    expect(query.result.userid).toBe('lina')
    const again = await fetch(`${endpoint}&code=${spent}`, { method: 'POST' }).then((r) => r.json())
    expect(again).toMatchObject({ errcode: 40078, errmsg: '不存在的临时授权码' })
  })
})

describe('GetResourceUploadInfo input', () => {
  it('needs operatorId', async () => {
    expectApiError(
      await postJson(uploadInfoUrl(sitePhotos, null), { size: 1, mediaType: 'image/png', resourceName: 'a' }, auth),
      400,
      'paramError',
    )
  })

  it.each([
    ['size missing', { mediaType: 'image/png', resourceName: 'a.png' }, 'size'],
    ['size as a string', { size: '12', mediaType: 'image/png', resourceName: 'a.png' }, 'size'],
    ['size fractional', { size: 1.5, mediaType: 'image/png', resourceName: 'a.png' }, 'size'],
    ['size zero', { size: 0, mediaType: 'image/png', resourceName: 'a.png' }, 'size'],
    ['mediaType empty', { size: 3, mediaType: '', resourceName: 'a.png' }, 'mediaType'],
    ['resourceName a number', { size: 3, mediaType: 'image/png', resourceName: 7 }, 'resourceName'],
  ])('answers 400 paramError naming the field for %s', async (_name, body, field) => {
    const res = await postJson(uploadInfoUrl(sitePhotos), body, auth)
    expectApiError(res, 400, 'paramError')
    expect(res.body.message).toContain(field)
  })

  it('answers 404 docNotExist for a folder or an unknown id, 403 for someone without a role', async () => {
    const body = { size: 3, mediaType: 'image/png', resourceName: 'a.png' }
    expectApiError(await postJson(uploadInfoUrl(SEED.folders.meetings.nodeId), body, auth), 404, 'docNotExist')
    expectApiError(await postJson(uploadInfoUrl('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'), body, auth), 404, 'docNotExist')
    expectApiError(await postJson(uploadInfoUrl(sitePhotos, chen), body, auth), 403, 'permissionDenied')
  })

  it('answers malformed JSON, an empty JSON body and a non-JSON type with 400 paramError', async () => {
    const send = async (body: string, type: string) => {
      const res = await fetch(uploadInfoUrl(sitePhotos), { method: 'POST', headers: { ...auth, 'content-type': type }, body })
      return { status: res.status, body: await res.json() }
    }
    expectApiError(await send('{"size": 3,', 'application/json'), 400, 'paramError')
    expectApiError(await send('', 'application/json'), 400, 'paramError')
    expectApiError(await send('size=3', 'text/plain'), 400, 'paramError')
  })

  it('accepts a chunked JSON body with a charset', async () => {
    const res = await chunkedRequest('POST', uploadInfoUrl(sitePhotos), { ...auth, 'content-type': 'application/json; charset=utf-8' }, [
      '{"size": 3, "mediaType": ',
      '"image/png", "resourceName": "分块.png"}',
    ])
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text).success).toBe(true)
  })
})

describe('the upload URL', () => {
  it('stores the bytes, answers 200 with an ETag and serves them at resourceUrl; a second PUT overwrites', async () => {
    const info = await slot(5)
    expect((await fetch(`${url}${info.resourceUrl}`)).status).toBe(404)
    const first = await put(info.uploadUrl, 'hello')
    expect(first).toMatchObject({ status: 200, text: '' })
    expect(first.etag).toMatch(/^"[0-9A-F]{32}"$/)
    expect(await fetch(`${url}${info.resourceUrl}`).then((r) => r.text())).toBe('hello')
    expect((await put(info.uploadUrl, 'world')).status).toBe(200)
    expect(await fetch(`${url}${info.resourceUrl}`).then((r) => r.text())).toBe('world')
  })

  it('accepts a chunked body', async () => {
    const info = await slot(10)
    const res = await chunkedRequest('PUT', info.uploadUrl, { 'content-type': 'image/png' }, ['01234', Buffer.from('56789')])
    expect(res.status).toBe(200)
    expect(await fetch(`${url}${info.resourceUrl}`).then((r) => r.text())).toBe('0123456789')
  })

  it('refuses an expired URL with 403 AccessDenied "Request has expired."', async () => {
    const info = await slot(5)
    clock.advance(901_000)
    const res = await put(info.uploadUrl, 'hello')
    expect(res.status).toBe(403)
    expect(res.text).toContain('<Code>AccessDenied</Code>')
    expect(res.text).toContain('<Message>Request has expired.</Message>')
    const state = await getJson(`${url}/__emulator/state`)
    expect(state.body.resources[0]).toMatchObject({ resourceId: info.resourceId, uploaded: false })
  })

  it('refuses a forged signature, a changed Expires and a missing signature', async () => {
    const info = await slot(5)
    const forged = new URL(info.uploadUrl)
    forged.searchParams.set('Signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=')
    expect((await put(forged.toString(), 'hello')).text).toContain('<Code>SignatureDoesNotMatch</Code>')
    const extended = new URL(info.uploadUrl)
    extended.searchParams.set('Expires', String(Number(extended.searchParams.get('Expires')) + 3600))
    const ext = await put(extended.toString(), 'hello')
    expect(ext.status).toBe(403)
    expect(ext.text).toContain('<Code>SignatureDoesNotMatch</Code>')
    const unsigned = new URL(info.uploadUrl)
    unsigned.searchParams.delete('Signature')
    const res = await put(unsigned.toString(), 'hello')
    expect(res.status).toBe(403)
    expect(res.text).toContain('<Code>AccessDenied</Code>')
  })

  it('refuses a Content-Type other than the registered mediaType, showing the string to sign', async () => {
    const info = await slot(5, 'image/jpeg')
    const res = await put(info.uploadUrl, 'hello', 'application/octet-stream')
    expect(res.status).toBe(403)
    expect(res.text).toContain('<Code>SignatureDoesNotMatch</Code>')
    expect(res.text).toContain('<StringToSign>PUT\n\napplication/octet-stream\n')
  })

  it('refuses a body shorter or longer than the registered size, and keeps nothing', async () => {
    const info = await slot(5)
    for (const body of ['hell', 'hello!']) {
      const res = await put(info.uploadUrl, body)
      expect(res.status).toBe(403)
      expect(res.text).toContain(`does not match the registered size 5`)
    }
    expect((await fetch(`${url}${info.resourceUrl}`)).status).toBe(404)
  })

  it('treats a PUT without Content-Type as a signature mismatch', async () => {
    const info = await slot(5)
    const res = await chunkedRequest('PUT', info.uploadUrl, {}, ['hello'])
    expect(res.status).toBe(403)
    expect(res.text).toContain('<Code>SignatureDoesNotMatch</Code>')
  })

  it('keeps nothing from an upload the client abandons, and keeps serving', async () => {
    const info = await slot(100_000)
    const { request } = await import('node:http')
    await new Promise<void>((resolve) => {
      const req = request(info.uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/png', 'content-length': '100000' } })
      req.on('error', () => resolve())
      req.write(Buffer.alloc(10_000, 1), () => {
        req.destroy()
        resolve()
      })
    })
    // Give the emulator a moment to see the disconnect; then the slot is still unused and a full PUT works.
    await new Promise((r) => setTimeout(r, 100))
    expect((await getJson(`${url}/__emulator/state`)).body.resources[0].uploaded).toBe(false)
    expect((await put(info.uploadUrl, Buffer.alloc(100_000, 2))).status).toBe(200)
    expect((await fetch(`${url}${info.resourceUrl}`).then((r) => r.arrayBuffer())).byteLength).toBe(100_000)
  })

  it('honours a custom upload URL lifetime', async () => {
    const emu = await startEmulator({ clock, uploadUrlTtlSeconds: 60 })
    try {
      const t = (await postJson(`${emu.url}/v1.0/oauth2/accessToken`, { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' })).body
        .accessToken
      const info = (
        await postJson(
          `${emu.url}/v1.0/doc/docs/resources/${sitePhotos}/uploadInfos/query?operatorId=${zhang}`,
          { size: 1, mediaType: 'text/plain', resourceName: 'a.txt' },
          { 'x-acs-dingtalk-access-token': t },
        )
      ).body.result
      expect(Number(new URL(info.uploadUrl).searchParams.get('Expires'))).toBe(Math.floor(clock.now() / 1000) + 60)
      clock.advance(61_000)
      expect((await put(info.uploadUrl, 'a', 'text/plain')).status).toBe(403)
    } finally {
      await emu.close()
    }
  })
})

describe('blocks input', () => {
  const insert = (body: unknown, docId = sitePhotos, operatorId = zhang) => postJson(blocksUrl(docId, operatorId), body, auth)

  it('rejects an unknown block type by name', async () => {
    const res = await insert({ element: { blockType: 'image', image: { src: '/x' } } })
    expectApiError(res, 400, 'paramError')
    expect(res.body.message).toContain('"image" is not a known block type')
  })

  it.each([
    ['no element', {}],
    ['element as a string', { element: 'paragraph' }],
    ['paragraph without its properties object', { element: { blockType: 'paragraph' } }],
    ['a bad where', { element: { blockType: 'paragraph', paragraph: {} }, where: 'middle' }],
    ['a negative index', { element: { blockType: 'paragraph', paragraph: {} }, index: -1 }],
    ['an index past the end', { element: { blockType: 'paragraph', paragraph: {} }, index: 99 }],
    ['a text child with an unknown field', { element: { blockType: 'paragraph', paragraph: {}, children: [{ text: 'a', size: 3 }] } }],
    [
      'a link without text',
      {
        element: {
          blockType: 'paragraph',
          paragraph: {},
          children: [{ elementType: 'link', properties: { href: 'https://a' }, children: [] }],
        },
      },
    ],
    [
      'an unknown inline type',
      { element: { blockType: 'paragraph', paragraph: {}, children: [{ elementType: 'video', properties: {} }] } },
    ],
    ['an attachment without resourceId', { element: { blockType: 'attachment', attachment: { type: 'file', name: 'a.pdf' } } }],
  ])('answers 400 paramError for %s', async (_name, body) => {
    expectApiError(await insert(body), 400, 'paramError')
  })

  it('accepts an image only if its src is a resource uploaded to this document', async () => {
    const image = (src: string) => ({
      element: { blockType: 'paragraph', paragraph: {}, children: [{ elementType: 'image', properties: { src } }] },
    })
    const registered = await slot(3)
    const res = await insert(image(registered.resourceUrl))
    expectApiError(res, 400, 'paramError') // registered but never uploaded
    expect(res.body.message).toContain(registered.resourceUrl)
    expectApiError(await insert(image('https://example.com/cat.jpg')), 400, 'paramError')
    const other = await slot(3, 'image/png', weekly)
    expect((await put(other.uploadUrl, 'abc')).status).toBe(200)
    expectApiError(await insert(image(other.resourceUrl)), 400, 'paramError') // another document's
    expect((await put(registered.uploadUrl, 'abc')).status).toBe(200)
    expect((await insert(image(registered.resourceUrl))).status).toBe(200)
  })

  it('accepts an attachment block for an uploaded resource of this document and renders it as a named link', async () => {
    const info = await slot(4, 'application/pdf')
    expect((await put(info.uploadUrl, '%PDF', 'application/pdf')).status).toBe(200)
    const element = {
      blockType: 'attachment',
      attachment: { resourceId: info.resourceId, type: 'pdf', name: '报价 <v2>.pdf', viewType: 'preview' },
    }
    const res = await insert({ element })
    expect(res.status).toBe(200)
    expect(res.body.result.data).toMatchObject({ ...element, index: 2 })
    const html = await fetch(`${url}/i/nodes/${sitePhotos}`).then((r) => r.text())
    expect(html).toContain(`href="${info.resourceUrl}"`)
    expect(html).toContain('报价 &lt;v2&gt;.pdf')
    expect(html).not.toContain('<v2>')
  })

  it('escapes every text in the HTML view and never links a script URL', async () => {
    const evil = '<img src=x onerror=alert(1)>'
    const link = { elementType: 'link', properties: { href: 'javascript:alert(1)' }, children: [{ text: '点我' }] }
    expect(
      (await insert({ element: { blockType: 'paragraph', paragraph: { text: evil }, children: [{ text: evil, bold: true }, link] } }))
        .status,
    ).toBe(200)
    for (const path of [`/i/nodes/${sitePhotos}`, `/__emulator/documents/${sitePhotos}`]) {
      const res = await fetch(`${url}${path}`)
      expect(res.headers.get('content-type')).toContain('text/html')
      const html = await res.text()
      expect(html).not.toContain('<img src=x')
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
      expect(html).not.toContain('javascript:')
      expect(html).toContain('点我')
    }
    expect((await fetch(`${url}/i/nodes/${SEED.folders.meetings.nodeId}`)).status).toBe(404)
  })

  it('stores heading levels the way DocBlocksQuery returns them', async () => {
    const res = await insert({ element: { blockType: 'heading', heading: { level: 2, text: '小结' } } })
    expect(res.body.result.data.heading).toEqual({ level: 'heading-2', text: '小结' })
    const callout = await insert({
      element: { blockType: 'callout', callout: {}, children: [{ blockType: 'heading', heading: { level: 3, text: '注意' } }] },
    })
    expect(callout.body.result.data.children).toEqual([{ blockType: 'heading', heading: { level: 'heading-3', text: '注意' } }])
    expectApiError(await insert({ element: { blockType: 'callout', callout: {}, children: [{ blockType: 'video' }] } }), 400, 'paramError')
    expectApiError(await insert({ element: { blockType: 'heading', heading: { level: 7, text: 'x' } } }), 400, 'paramError')
    expectApiError(await insert({ element: { blockType: 'heading', heading: { level: 'big', text: 'x' } } }), 400, 'paramError')
  })

  it('places blocks before/after a block or an index, and 404s an unknown blockId', async () => {
    const list = async () =>
      (await getJson(blocksUrl(weekly), auth)).body.result.data as Array<{
        id: string
        paragraph?: { text?: string }
        heading?: { text?: string }
      }>
    const [first, second] = await list()
    const text = (t: string) => ({ blockType: 'paragraph', paragraph: { text: t } })
    expect((await insert({ element: text('start'), index: 0, where: 'before' }, weekly)).body.result.data.index).toBe(0)
    expect((await insert({ element: text('after-2nd'), blockId: second?.id }, weekly)).body.result.data.index).toBe(3)
    expect((await insert({ element: text('before-1st'), blockId: first?.id, where: 'before' }, weekly)).body.result.data.index).toBe(1)
    expect((await insert({ element: text('end') }, weekly)).body.result.data.index).toBe(7)
    const labels = (await list()).map((b) => b.paragraph?.text ?? `# ${b.heading?.text}`)
    expect(labels).toEqual([
      'start',
      'before-1st',
      '# 项目周报',
      '本周进展：完成移动端上传流程联调。',
      'after-2nd',
      '# 下周计划',
      '灰度发布并收集一线反馈。',
      'end',
    ])
    expectApiError(await insert({ element: text('x'), blockId: 'nosuchblock000000' }, weekly), 404, 'invalidRequest.resource.notFound')
  })

  it('guards reading and appending', async () => {
    expectApiError(await getJson(blocksUrl(sitePhotos, chen), auth), 403, 'forbidden.accessDenied')
    expectApiError(await getJson(blocksUrl('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'), auth), 404, 'docNotExist')
    expectApiError(await getJson(`${blocksUrl(weekly)}&startIndex=abc`, auth), 400, 'paramError')
    expectApiError(await getJson(`${blocksUrl(weekly)}&startIndex=3&endIndex=1`, auth), 400, 'paramError')
    const headings = await getJson(`${blocksUrl(weekly)}&blockType=heading`, auth)
    expect(headings.body.result.data.map((b: Json) => b.index)).toEqual([0, 2])
    const [heading] = headings.body.result.data as Array<{ id: string }>
    const append = (blockId: string, body: unknown) =>
      postJson(`${url}/v1.0/doc/suites/documents/${weekly}/blocks/${blockId}/paragraph/appendElement?operatorId=${zhang}`, body, auth)
    const sticker = { elementType: 'sticker', properties: { code: '大笑' } }
    expectApiError(await append(heading?.id ?? '', sticker), 400, 'paramError')
    expectApiError(await append('nosuchblock000000', sticker), 404, 'invalidRequest.resource.notFound')
    expectApiError(await append(heading?.id ?? '', { elementType: 'video', properties: {} }), 400, 'paramError')
  })
})

describe('never a 500', () => {
  const paths = [
    ['POST', '/v1.0/oauth2/accessToken'],
    ['POST', `/v1.0/doc/docs/resources/${sitePhotos}/uploadInfos/query?operatorId=${zhang}`],
    ['POST', `/v1.0/doc/suites/documents/${sitePhotos}/blocks?operatorId=${zhang}`],
    ['POST', `/v1.0/doc/suites/documents/${sitePhotos}/blocks/x/paragraph/appendElement?operatorId=${zhang}`],
    ['POST', `/v2.0/wiki/nodes/queryByUrl?operatorId=${zhang}`],
    ['POST', '/topapi/v2/user/getuserinfo?access_token=TOKEN'],
    ['POST', '/__emulator/auth-codes'],
    ['POST', '/__emulator/faults'],
    ['GET', `/v2.0/wiki/nodes?operatorId=${zhang}&parentNodeId[]=1&maxResults=x`],
    ['GET', `/v2.0/wiki/workspaces?operatorId=${zhang}&nextToken=%%%`],
    ['GET', `/v1.0/doc/docs?operatorId=${zhang}&keyword=a&keyword=b`],
    ['GET', `/v1.0/doc/workspaces/docs/recentEditDocs?operatorId=${zhang}&maxResults=1e3`],
    ['PUT', '/__oss/whatever?Expires=abc&Signature=x&OSSAccessKeyId=y'],
    ['GET', '/core/api/resources/img/..%2F..%2Fetc%2Fpasswd'],
  ] as const
  const bodies = [
    '',
    'null',
    '[]',
    '"str"',
    '{"element":null}',
    '{"size":{"$gt":1}}',
    '{bad json',
    '{"url":123}',
    '{"userId":[]}',
    '\u0000\u0001',
  ]

  it('answers every odd request with a 4xx', async () => {
    for (const [method, path] of paths) {
      for (const body of method === 'GET' ? [undefined] : bodies) {
        const res = await fetch(`${url}${path.replace('TOKEN', token)}`, {
          method,
          headers: { ...auth, 'content-type': 'application/json' },
          body,
        })
        await res.arrayBuffer()
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(200)
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500)
      }
    }
  })

  it("answers unknown paths with a 404 in the family's envelope", async () => {
    expectApiError(await getJson(`${url}/v1.0/doc/nothing`, auth), 404, 'InvalidAction.NotFound')
    const oapi = await getJson(`${url}/topapi/nothing`)
    expect(oapi).toMatchObject({ status: 404, body: { errcode: 404 } })
    expect((await getJson(`${url}/elsewhere`)).status).toBe(404)
  })
})
