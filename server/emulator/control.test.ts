/**
 * The control API (README "Control API"): reset, the state snapshot's exact shape, faults (times,
 * probability, latency, bandwidth, envelopes per path), the redacted call log, and auth codes.
 * Uses `buildEmulator` + `inject` (no port) except where real streaming matters.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildEmulator, createManualClock, startEmulator, type ManualClock } from './index'
import { SEED } from './seed'
import type { Json } from '@testing/emulator-sdk'

const zhang = SEED.users.zhangwei.unionId
const sitePhotos = SEED.docs.sitePhotos.docId

let clock: ManualClock
let emulator: ReturnType<typeof buildEmulator>
let randomValues: number[]
let token: string

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await emulator.app.inject({
    method,
    url,
    headers: { ...(token ? { 'x-acs-dingtalk-access-token': token } : {}), ...headers },
    ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as Json }),
  })
  const json: Json = res.headers['content-type']?.toString().includes('json') && res.body ? res.json() : null
  return { status: res.statusCode, body: json, text: res.body, headers: res.headers }
}

beforeEach(async () => {
  token = ''
  clock = createManualClock(Date.UTC(2026, 10, 3))
  randomValues = []
  emulator = buildEmulator({ clock, random: () => randomValues.shift() ?? 0.99 })
  token = (await call('POST', '/v1.0/oauth2/accessToken', { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' })).body.accessToken
})
afterEach(() => emulator.app.close())

const uploadInfo = () =>
  call('POST', `/v1.0/doc/docs/resources/${sitePhotos}/uploadInfos/query?operatorId=${zhang}`, {
    size: 3,
    mediaType: 'image/png',
    resourceName: 'a.png',
  })

describe('state', () => {
  it('has exactly the documented shape', async () => {
    const info = (await uploadInfo()).body.result
    const { body } = await call('GET', '/__emulator/state')
    expect(Object.keys(body).sort()).toEqual(['documents', 'resources', 'users'])
    for (const user of body.users) expect(Object.keys(user).sort()).toEqual(['name', 'unionId', 'userId'])
    for (const doc of body.documents) {
      expect(Object.keys(doc).sort()).toEqual(['blocks', 'docId', 'name', 'roles', 'url', 'workspaceId'])
      expect(doc.url).toBe(`https://alidocs.dingtalk.com/i/nodes/${doc.docId}`)
      for (const role of Object.values(doc.roles)) expect(['OWNER', 'MANAGER', 'EDITOR', 'READER']).toContain(role)
      doc.blocks.forEach((b: Json, i: number) =>
        expect(b).toMatchObject({ id: expect.any(String), index: i, blockType: expect.any(String) }),
      )
    }
    expect(body.resources).toEqual([
      {
        resourceId: info.resourceId,
        docId: sitePhotos,
        resourceUrl: info.resourceUrl,
        mediaType: 'image/png',
        size: 3,
        resourceName: 'a.png',
        uploaded: false,
      },
    ])
  })

  it('seeds what the tests and the demo need', async () => {
    const { body } = await call('GET', '/__emulator/state')
    expect(body.users.length).toBeGreaterThanOrEqual(4)
    expect(body.documents.length).toBeGreaterThanOrEqual(60)
    const editors = (doc: Json) => Object.values(doc.roles).filter((r) => r !== 'READER').length
    const photos = body.documents.find((d: Json) => d.docId === sitePhotos)
    expect(photos.roles).toEqual({
      [zhang]: 'OWNER',
      [SEED.users.lina.unionId]: 'EDITOR',
      [SEED.users.wangfang.unionId]: 'READER',
      [SEED.users.liuyang.unionId]: 'READER',
    })
    expect(editors(photos)).toBe(2)
    const brand = body.documents.find((d: Json) => d.docId === SEED.docs.brandGuide.docId)
    expect(brand.roles[zhang]).toBe('READER')
    const editableByLina = body.documents.filter((d: Json) => ['OWNER', 'MANAGER', 'EDITOR'].includes(d.roles[SEED.users.lina.unionId]))
    expect(editableByLina.length).toBeGreaterThanOrEqual(2)
    expect(body.documents.every((d: Json) => /^[A-Za-z0-9]{20,}$/.test(d.docId))).toBe(true)
  })

  it('reset restores the seed and forgets uploads, faults and the call log', async () => {
    const before = (await call('GET', '/__emulator/state')).body
    const info = (await uploadInfo()).body.result
    expect(
      (await call('PUT', new URL(info.uploadUrl).pathname + new URL(info.uploadUrl).search, 'abc', { 'content-type': 'image/png' })).status,
    ).toBe(200)
    await call('POST', `/v1.0/doc/suites/documents/${sitePhotos}/blocks?operatorId=${zhang}`, {
      element: { blockType: 'paragraph', paragraph: {}, children: [{ elementType: 'image', properties: { src: info.resourceUrl } }] },
    })
    await call('POST', '/__emulator/faults', { path: '/v2.0/', status: 500 })
    expect((await call('GET', '/__emulator/state')).body).not.toEqual(before)

    expect((await call('POST', '/__emulator/reset')).status).toBe(200)
    expect((await call('GET', '/__emulator/state')).body).toEqual(before)
    expect((await call('GET', '/__emulator/requests')).body.items).toEqual([])
    expect((await call('GET', info.resourceUrl)).status).toBe(404)
    expect((await call('GET', `/v2.0/wiki/mineWorkspaces?operatorId=${zhang}`)).status).toBe(200)
    // Tokens belong to the app, not the seed: still valid after a reset.
    expect((await call('GET', `/v1.0/doc/suites/documents/${sitePhotos}/blocks?operatorId=${zhang}`)).status).toBe(200)
  })

  it('records edits for the recent-edit list', async () => {
    const lina = SEED.users.lina.unionId
    const recent = async () =>
      (await call('GET', `/v1.0/doc/workspaces/docs/recentEditDocs?operatorId=${lina}&maxResults=3`)).body.recentList.map(
        (r: Json) => r.nodeBO.nodeId,
      )
    expect(await recent()).not.toContain(SEED.docs.releasePlan.docId)
    clock.advance(60_000)
    await call('POST', `/v1.0/doc/suites/documents/${SEED.docs.releasePlan.docId}/blocks?operatorId=${lina}`, {
      element: { blockType: 'paragraph', paragraph: { text: 'hi' } },
    })
    expect((await recent())[0]).toBe(SEED.docs.releasePlan.docId)
  })
})

describe('auth codes', () => {
  const exchange = (code: string) => call('POST', `/topapi/v2/user/getuserinfo?access_token=${token}`, { code })
  const mint = async (userId: string) => call('POST', '/__emulator/auth-codes', { userId })

  it('are single-use', async () => {
    const { authCode } = (await mint('wangfang')).body
    const first = await exchange(authCode)
    expect(first.body).toMatchObject({
      errcode: 0,
      errmsg: 'ok',
      result: { userid: 'wangfang', unionid: SEED.users.wangfang.unionId, name: '王芳', sys: false, sys_level: 0 },
    })
    expect(first.body.result).toHaveProperty('device_id')
    expect(first.body.result).toHaveProperty('associated_unionid')
    expect((await exchange(authCode)).body).toMatchObject({ errcode: 40078, errmsg: '不存在的临时授权码' })
  })

  it('live five minutes on the clock', async () => {
    const early = (await mint('lina')).body.authCode
    const late = (await mint('lina')).body.authCode
    clock.advance(5 * 60_000 - 1000)
    expect((await exchange(early)).body.errcode).toBe(0)
    clock.advance(2000)
    expect((await exchange(late)).body.errcode).toBe(40078)
  })

  it('are refused for an unknown user', async () => {
    const res = await mint('nobody')
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ code: 'paramError', message: expect.stringContaining('nobody') })
    expect((await call('POST', '/__emulator/auth-codes', { user: 'lina' })).status).toBe(400)
  })
})

describe('faults', () => {
  const blocks = () => call('GET', `/v1.0/doc/suites/documents/${sitePhotos}/blocks?operatorId=${zhang}`)

  it('fail `times` calls with the DingTalk envelope, then stop', async () => {
    const { faultId } = (await call('POST', '/__emulator/faults', { path: '/v1.0/doc/suites/', status: 503, times: 2 })).body
    expect(faultId).toEqual(expect.any(String))
    for (let i = 0; i < 2; i += 1) {
      const res = await blocks()
      expect(res.status).toBe(503)
      expect(res.body).toMatchObject({ code: 'operationTimeout', message: expect.any(String), requestid: expect.any(String) })
    }
    expect((await blocks()).status).toBe(200)
    expect((await call('GET', '/__emulator/faults')).body.items).toEqual([])
  })

  it('match by path prefix and method only', async () => {
    await call('POST', '/__emulator/faults', {
      path: '/v1.0/doc/suites/',
      method: 'post',
      code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
    })
    expect((await blocks()).status).toBe(200)
    const res = await call('POST', `/v1.0/doc/suites/documents/${sitePhotos}/blocks?operatorId=${zhang}`, {
      element: { blockType: 'paragraph', paragraph: {} },
    })
    expect(res.status).toBe(403)
    expect(res.body.code).toBe('Forbidden.AccessDenied.QpsLimitForAppkeyAndApi')
    expect((await call('GET', `/v2.0/wiki/mineWorkspaces?operatorId=${zhang}`)).status).toBe(200)
  })

  it('fire with their probability', async () => {
    await call('POST', '/__emulator/faults', { path: '/v1.0/', status: 500, probability: 0.5 })
    randomValues = [0.1, 0.9, 0.49, 0.5]
    const statuses = []
    for (let i = 0; i < 4; i += 1) statuses.push((await blocks()).status)
    expect(statuses).toEqual([500, 200, 500, 200])
  })

  it('answer oapi paths with errcode (HTTP 200) when the code is numeric', async () => {
    await call('POST', '/__emulator/faults', { path: '/topapi/', code: 90018, times: 1 })
    const res = await call('POST', `/topapi/v2/user/getuserinfo?access_token=${token}`, { code: 'x' })
    expect(res).toMatchObject({ status: 200, body: { errcode: 90018 } })
    await call('POST', '/__emulator/faults', { path: '/gettoken', status: 502, times: 1 })
    expect((await call('GET', '/gettoken?appkey=ding-emulator-app&appsecret=emulator-secret')).status).toBe(502)
  })

  it('answer upload URLs with OSS XML', async () => {
    const info = (await uploadInfo()).body.result
    await call('POST', '/__emulator/faults', { path: '/__oss/', status: 503, code: 'ServiceUnavailable', times: 1 })
    const url = new URL(info.uploadUrl)
    const res = await call('PUT', url.pathname + url.search, 'abc', { 'content-type': 'image/png' })
    expect(res.status).toBe(503)
    expect(res.text).toContain('<Code>ServiceUnavailable</Code>')
    expect((await call('PUT', url.pathname + url.search, 'abc', { 'content-type': 'image/png' })).status).toBe(200)
  })

  it('delay answers by latencyMs', async () => {
    await call('POST', '/__emulator/faults', { path: '/v1.0/doc/', latencyMs: 200, times: 1 })
    const started = performance.now()
    expect((await blocks()).status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
  })

  it('are cleared by DELETE and validated on the way in', async () => {
    await call('POST', '/__emulator/faults', { path: '/v1.0/', status: 500 })
    expect((await call('DELETE', '/__emulator/faults')).body).toEqual({ cleared: 1 })
    expect((await blocks()).status).toBe(200)
    for (const bad of [
      {},
      { path: 'v1.0' },
      { path: '/v1.0/' },
      { path: '/v1.0/', status: 99 },
      { path: '/v1.0/', status: 500, probability: 2 },
      { path: '/__emulator/', status: 500 },
      { path: '/v1.0/', status: 500, bogus: 1 },
    ]) {
      const res = await call('POST', '/__emulator/faults', bad)
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(res.body.code).toBe('paramError')
    }
  })
})

describe('requests log', () => {
  it('lists calls oldest first, without bodies and with secrets redacted', async () => {
    await call('GET', '/gettoken?appkey=ding-emulator-app&appsecret=emulator-secret')
    const info = (await uploadInfo()).body.result
    const url = new URL(info.uploadUrl)
    await call('PUT', url.pathname + url.search, 'abc', { 'content-type': 'image/png' })
    await call('POST', `/topapi/v2/user/getuserinfo?access_token=${token}&code=secret-code`)
    await call('GET', '/__emulator/state')
    const { items } = (await call('GET', '/__emulator/requests')).body
    expect(items.map((i: Json) => `${i.method} ${i.path} ${i.status}`)).toEqual([
      'POST /v1.0/oauth2/accessToken 200',
      'GET /gettoken 200',
      `POST /v1.0/doc/docs/resources/${sitePhotos}/uploadInfos/query 200`,
      `PUT /__oss/${info.resourceId} 200`,
      'POST /topapi/v2/user/getuserinfo 200',
    ])
    expect(items[1].query).toEqual({ appkey: 'ding-emulator-app', appsecret: '[redacted]' })
    expect(items[2].query).toEqual({ operatorId: zhang })
    expect(items[3].query.Signature).toBe('[redacted]')
    expect(items[4].query).toEqual({ access_token: '[redacted]', code: '[redacted]' })
    const dump = JSON.stringify(items)
    expect(dump).not.toContain(token)
    expect(dump).not.toContain(url.searchParams.get('Signature'))
    expect(dump).not.toContain('secret-code')
    expect(dump).not.toContain('emulator-secret')
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(['at', 'method', 'path', 'query', 'status'])
      expect(new Date(item.at).getTime()).toBe(clock.now())
    }
  })
})

describe('call log times', () => {
  it('records when a call arrived, not when its slow answer left (DingTalk counts arrivals against its limits)', async () => {
    const arrived = clock.now()
    await call('POST', '/__emulator/faults', { path: '/v1.0/doc/docs/resources/', latencyMs: 50 }, { 'content-type': 'application/json' })
    const answered = uploadInfo()
    await new Promise((resolve) => setTimeout(resolve, 10))
    clock.advance(5_000)
    expect((await answered).status).toBe(200)
    const { items } = (await call('GET', '/__emulator/requests')).body
    const logged = items.find((i: Json) => String(i.path).includes('/uploadInfos/query'))
    expect(new Date(logged.at).getTime()).toBe(arrived)
  })
})

describe('bandwidth faults', () => {
  let close: (() => Promise<void>) | undefined
  afterAll(async () => close?.())

  it('throttle the upload body and the resource download', async () => {
    const emu = await startEmulator({ clock })
    close = emu.close
    const t = await fetch(`${emu.url}/v1.0/oauth2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: 'ding-emulator-app', appSecret: 'emulator-secret' }),
    }).then((r) => r.json() as Promise<{ accessToken: string }>)
    const bytes = Buffer.alloc(16_000, 7)
    const info = await fetch(`${emu.url}/v1.0/doc/docs/resources/${sitePhotos}/uploadInfos/query?operatorId=${zhang}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': t.accessToken },
      body: JSON.stringify({ size: bytes.length, mediaType: 'image/png', resourceName: 'big.png' }),
    }).then((r) => r.json() as Promise<{ result: { uploadUrl: string; resourceUrl: string } }>)
    const fault = (path: string) =>
      fetch(`${emu.url}/__emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path, bandwidthBytesPerSec: 40_000, times: 1 }),
      })
    await fault('/__oss/')
    let started = performance.now()
    const put = await fetch(info.result.uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    expect(put.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(350) // 16 kB at 40 kB/s ≈ 400 ms
    await fault('/core/api/resources/')
    started = performance.now()
    const got = Buffer.from(new Uint8Array(await (await fetch(`${emu.url}${info.result.resourceUrl}`)).arrayBuffer()))
    expect(performance.now() - started).toBeGreaterThanOrEqual(350)
    expect(got.equals(bytes)).toBe(true)
  })
})
