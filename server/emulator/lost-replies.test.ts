/**
 * Lost replies (README "Faults"): with `apply` the write happens and the caller gets the fault's
 * error; with `drop` the connection closes with no answer (after the write when `apply` is set).
 * Each is checked against `/__emulator/state`, the truth, and the emulator keeps serving afterwards.
 */
import { readdirSync, readlinkSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildEmulator, startEmulator, type RunningEmulator } from './index'
import { SEED } from './seed'
import { getJson, postJson, type Json } from '@testing/emulator-sdk'

const zhang = SEED.users.zhangwei.unionId
const CREDENTIALS = { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' }
const sitePhotos = SEED.docs.sitePhotos.docId
const blocksUrl = () => `${emu.url}/v1.0/doc/suites/documents/${sitePhotos}/blocks?operatorId=${zhang}`
const uploadInfoUrl = () => `${emu.url}/v1.0/doc/docs/resources/${sitePhotos}/uploadInfos/query?operatorId=${zhang}`

let emu: RunningEmulator
let token: string
const headers = () => ({ 'x-acs-dingtalk-access-token': token })

beforeAll(async () => {
  emu = await startEmulator({ profile: 'documented' })
  token = (await postJson(`${emu.url}/v1.0/oauth2/accessToken`, CREDENTIALS)).body.accessToken
})
afterAll(() => emu.close())
beforeEach(async () => {
  await postJson(`${emu.url}/__emulator/reset`, {})
})

/** How many of this process's open file descriptors point at `path`. */
function openHandlesTo(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path
    } catch {
      return false // closed while listing
    }
  }).length
}

async function addFault(spec: Record<string, unknown>): Promise<void> {
  const res = await postJson(`${emu.url}/__emulator/faults`, spec)
  expect(res.status).toBe(200)
}

async function sitePhotosBlocks(): Promise<Json[]> {
  const state = await getJson(`${emu.url}/__emulator/state`)
  return state.body.documents.find((d: Json) => d.docId === sitePhotos).blocks
}

async function requestLog(): Promise<Json[]> {
  return (await getJson(`${emu.url}/__emulator/requests`)).body.items
}

const textParagraph = (text: string) => ({ element: { blockType: 'paragraph', paragraph: {}, children: [{ text }] } })

/** Sends one request on a fresh connection and reports how it ended: an answer, or the connection closing. */
function rawPost(url: string, body: string, extra: Record<string, string> = {}): Promise<{ status: number } | { closed: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers(), ...extra } },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
        res.on('error', (err) => resolve({ closed: err.message }))
      },
    )
    req.on('error', (err) => resolve({ closed: (err as NodeJS.ErrnoException).code ?? err.message }))
    req.end(body)
  })
}

describe('apply: the write happens, the answer is an error', () => {
  it('DocInsertBlocks stores the block and answers 503 operationTimeout in DingTalk’s envelope', async () => {
    await addFault({ path: '/v1.0/doc/suites/documents/', method: 'POST', code: 'operationTimeout', apply: true, times: 1 })
    const lost = await postJson(blocksUrl(), textParagraph('lost reply'), headers())
    expect(lost.status).toBe(503)
    expect(lost.body).toEqual({ code: 'operationTimeout', message: expect.any(String), requestid: expect.any(String) })
    const blocks = await sitePhotosBlocks()
    expect(blocks).toHaveLength(3)
    expect(blocks[2]).toMatchObject({ children: [{ text: 'lost reply' }] })

    // The fault was for one call: the next write is answered normally.
    const next = await postJson(blocksUrl(), textParagraph('answered'), headers())
    expect(next.status).toBe(200)
    expect(next.body.result.data).toMatchObject({ paragraph: { text: 'answered' }, index: 3 })
  })

  it('DocAppendParagraph appends and answers the fault’s status and code', async () => {
    const inserted = await postJson(blocksUrl(), textParagraph('a'), headers())
    const blockId = inserted.body.result.data.id
    await addFault({ path: `/v1.0/doc/suites/documents/${sitePhotos}/blocks/`, status: 500, code: 'systemError', apply: true })
    const lost = await postJson(
      `${emu.url}/v1.0/doc/suites/documents/${sitePhotos}/blocks/${blockId}/paragraph/appendElement?operatorId=${zhang}`,
      { elementType: 'sticker', properties: { code: '大笑' } },
      headers(),
    )
    expect(lost.status).toBe(500)
    expect(lost.body.code).toBe('systemError')
    expect((await sitePhotosBlocks())[2].children).toEqual([{ text: 'a' }, { elementType: 'sticker', properties: { code: '大笑' } }])
  })

  it('GetResourceUploadInfo registers the slot although the caller gets 503', async () => {
    await addFault({ path: '/v1.0/doc/docs/resources/', status: 503, apply: true, times: 1 })
    const lost = await postJson(uploadInfoUrl(), { size: 4, mediaType: 'image/png', resourceName: 'p.png' }, headers())
    expect(lost.status).toBe(503)
    expect(lost.body.code).toBe('operationTimeout')
    const state = await getJson(`${emu.url}/__emulator/state`)
    expect(state.body.resources).toEqual([expect.objectContaining({ docId: sitePhotos, resourceName: 'p.png', uploaded: false })])
  })

  it('an upload PUT keeps the bytes and answers OSS XML; oapi answers errcode after spending the code', async () => {
    const info = (await postJson(uploadInfoUrl(), { size: 4, mediaType: 'image/png', resourceName: 'p.png' }, headers())).body.result
    await addFault({ path: '/__oss/', status: 500, apply: true, times: 1 })
    const put = await fetch(info.uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array([1, 2, 3, 4]) })
    expect(put.status).toBe(500)
    expect(put.headers.get('etag')).toBeNull()
    expect(await put.text()).toContain('<Code>InternalError</Code>')
    const served = await fetch(`${emu.url}${info.resourceUrl}`)
    expect(served.status).toBe(200)
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4]))

    const legacy = (await getJson(`${emu.url}/gettoken?appkey=ding-emulator-app&appsecret=emulator-secret`)).body.access_token
    const { authCode } = (await postJson(`${emu.url}/__emulator/auth-codes`, { userId: 'zhangwei' })).body
    await addFault({ path: '/topapi/v2/user/getuserinfo', code: -1, apply: true, times: 1 })
    const userinfo = `${emu.url}/topapi/v2/user/getuserinfo?access_token=${legacy}`
    expect((await postJson(userinfo, { code: authCode })).body.errcode).toBe(-1)
    expect((await postJson(userinfo, { code: authCode })).body.errcode).toBe(40078)
  })

  it('fires `times` times, and is refused without something to answer instead', async () => {
    await addFault({ path: '/v1.0/doc/suites/documents/', method: 'POST', status: 503, apply: true, times: 2 })
    const statuses = []
    for (const text of ['1', '2', '3']) statuses.push((await postJson(blocksUrl(), textParagraph(text), headers())).status)
    expect(statuses).toEqual([503, 503, 200])
    expect(await sitePhotosBlocks()).toHaveLength(5)

    const bare = await postJson(`${emu.url}/__emulator/faults`, { path: '/v1.0/', apply: true })
    expect(bare.status).toBe(400)
    expect(bare.body.code).toBe('paramError')
    expect(bare.body.message).toContain('apply')
  })
})

describe('drop: no answer at all', () => {
  it('without apply, the request is read and the connection closed; nothing is written', async () => {
    await addFault({ path: '/v1.0/doc/suites/documents/', method: 'POST', drop: true, times: 1 })
    const outcome = await rawPost(blocksUrl(), JSON.stringify(textParagraph('never')))
    expect(outcome).toEqual({ closed: expect.any(String) })
    expect(await sitePhotosBlocks()).toHaveLength(2)
    const logged = (await requestLog()).filter((r) => r.path.endsWith('/blocks'))
    expect(logged).toEqual([expect.objectContaining({ method: 'POST', status: 0 })])
    // The emulator keeps serving.
    expect((await postJson(blocksUrl(), textParagraph('later'), headers())).status).toBe(200)
  })

  it('with apply, the write happens and then the connection closes', async () => {
    await addFault({ path: '/v1.0/doc/suites/documents/', method: 'POST', drop: true, apply: true, times: 1 })
    const outcome = await rawPost(blocksUrl(), JSON.stringify(textParagraph('applied, unanswered')))
    expect(outcome).toEqual({ closed: expect.any(String) })
    const blocks = await sitePhotosBlocks()
    expect(blocks[2]).toMatchObject({ children: [{ text: 'applied, unanswered' }] })
    const logged = (await requestLog()).filter((r) => r.path.endsWith('/blocks'))
    expect(logged).toEqual([expect.objectContaining({ method: 'POST', status: 0 })])
  })

  it('drops uploads and downloads mid-stream without leaking, many times over', async () => {
    const info = (await postJson(uploadInfoUrl(), { size: 4, mediaType: 'image/png', resourceName: 'p.png' }, headers())).body.result
    await addFault({ path: '/__oss/', drop: true, apply: true, times: 1 })
    const put = await new Promise<{ status: number } | { closed: string }>((resolve) => {
      const req = httpRequest(info.uploadUrl, { method: 'PUT', agent: false, headers: { 'content-type': 'image/png' } }, (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
      })
      req.on('error', (err) => resolve({ closed: err.message }))
      req.end(Buffer.from([1, 2, 3, 4]))
    })
    expect(put).toEqual({ closed: expect.any(String) })
    // Applied: the bytes are there.
    expect((await getJson(`${emu.url}/__emulator/state`)).body.resources[0].uploaded).toBe(true)

    await addFault({ path: '/core/api/resources/', drop: true, apply: true, times: 20 })
    for (let i = 0; i < 20; i++) await expect(fetch(`${emu.url}${info.resourceUrl}`)).rejects.toThrow()
    const served = await fetch(`${emu.url}${info.resourceUrl}`)
    expect(served.status).toBe(200)
    expect((await served.arrayBuffer()).byteLength).toBe(4)
    // Every dropped download's file was closed (the streams close asynchronously).
    const filePath = emu.state.resources.get(info.resourceId)?.filePath ?? ''
    await expect.poll(() => openHandlesTo(filePath)).toBe(0)
  })

  it('fails an in-process `inject` call the way a closed connection fails a real one', async () => {
    const { app } = buildEmulator()
    await app.inject({ method: 'POST', url: '/__emulator/faults', payload: { path: '/gettoken', drop: true, times: 1 } })
    await app.inject({ method: 'POST', url: '/__emulator/faults', payload: { path: '/v1.0/oauth2/', drop: true, apply: true, times: 1 } })
    await expect(app.inject({ method: 'GET', url: '/gettoken?appkey=ding-emulator-app&appsecret=emulator-secret' })).rejects.toThrow(
      /destroyed/,
    )
    await expect(app.inject({ method: 'POST', url: '/v1.0/oauth2/accessToken', payload: CREDENTIALS })).rejects.toThrow(/destroyed/)
    expect((await app.inject({ method: 'POST', url: '/v1.0/oauth2/accessToken', payload: CREDENTIALS })).statusCode).toBe(200)
    await app.close()
  })
})
