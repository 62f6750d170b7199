/**
 * Who may call what: oapi tokens in `legacy` mode (README "Legacy oapi tokens"), the control API's
 * refusal of cross-site, rebound-host and non-JSON requests (README "Control API"), and the
 * environment that chooses profile, token mode and allowed hosts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEmulator, emulatorOptionsFromEnv, startEmulator, type RunningEmulator } from './index'
import { SEED } from './seed'
import { getJson, postJson } from '@testing/emulator-sdk'
import { httpRequest } from '@testing/http'

const CREDENTIALS = { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' }

/** A request with exactly these headers (fetch would not let us choose `Host`). */
async function rawRequest(base: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await httpRequest(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  })
  return { status: res.status, body: res.body.toString('utf8') }
}

describe('oapi token mode', () => {
  async function tokens(oapiToken: 'any' | 'legacy') {
    const { app } = buildEmulator({ oapiToken })
    const v1 = (await app.inject({ method: 'POST', url: '/v1.0/oauth2/accessToken', payload: CREDENTIALS })).json().accessToken
    const legacy = (await app.inject({ method: 'GET', url: '/gettoken?appkey=ding-emulator-app&appsecret=emulator-secret' })).json()
      .access_token
    const authCode = async () =>
      (await app.inject({ method: 'POST', url: '/__emulator/auth-codes', payload: { userId: 'lina' } })).json().authCode as string
    const userinfo = async (token: string, code: string) =>
      app.inject({ method: 'POST', url: `/topapi/v2/user/getuserinfo?access_token=${token}`, payload: { code } })
    return { app, v1, legacy, authCode, userinfo }
  }

  it('legacy: oapi refuses a v1.0 token with errcode 40014 (HTTP 200) and takes the /gettoken one', async () => {
    const { app, v1, legacy, authCode, userinfo } = await tokens('legacy')
    expect(legacy).not.toBe(v1)
    const code = await authCode()
    const refused = await userinfo(v1, code)
    expect(refused.statusCode).toBe(200)
    expect(refused.json()).toMatchObject({ errcode: 40014, errmsg: '不合法的access_token' })
    // The refused call did not spend the code.
    const accepted = await userinfo(legacy, code)
    expect(accepted.json()).toMatchObject({ errcode: 0, result: { userid: 'lina', unionid: SEED.users.lina.unionId } })
    // v1.0 APIs still take the v1.0 token; /gettoken keeps handing out the same legacy token.
    const listed = await app.inject({
      method: 'GET',
      url: `/v2.0/wiki/mineWorkspaces?operatorId=${SEED.users.lina.unionId}`,
      headers: { 'x-acs-dingtalk-access-token': v1 },
    })
    expect(listed.statusCode).toBe(200)
    const again = (await app.inject({ method: 'GET', url: '/gettoken?appkey=ding-emulator-app&appsecret=emulator-secret' })).json()
    expect(again.access_token).toBe(legacy)
    await app.close()
  })

  it('any (default): one app token, accepted by oapi', async () => {
    const { app, v1, legacy, authCode, userinfo } = await tokens('any')
    expect(legacy).toBe(v1)
    expect((await userinfo(v1, await authCode())).json()).toMatchObject({ errcode: 0 })
    await app.close()
  })
})

describe('control API protections', () => {
  let emu: RunningEmulator
  beforeAll(async () => {
    emu = await startEmulator()
  })
  afterAll(() => emu.close())

  const faultCount = async () => (await getJson(`${emu.url}/__emulator/faults`)).body.items.length

  it('refuses a foreign Origin with 403, and changes nothing', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:1']) {
      const res = await postJson(`${emu.url}/__emulator/faults`, { path: '/v1.0/', status: 500 }, { origin })
      expect(res.status).toBe(403)
      expect(res.body).toMatchObject({ code: 'forbidden.crossOrigin', requestid: expect.any(String) })
    }
    expect(await faultCount()).toBe(0)
    const read = await getJson(`${emu.url}/__emulator/state`, { origin: 'https://evil.example' })
    expect(read.status).toBe(403)
  })

  it('refuses a rebinding page: a Host that is not loopback gets 403, even with the matching Origin', async () => {
    const port = new URL(emu.url).port
    const rebound = { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` }
    const code = await rawRequest(emu.url, 'POST', '/__emulator/auth-codes', rebound, JSON.stringify({ userId: 'zhangwei' }))
    expect(code.status).toBe(403)
    expect(JSON.parse(code.body)).toMatchObject({ code: 'forbidden.hostNotAllowed', requestid: expect.any(String) })
    const state = await rawRequest(emu.url, 'GET', '/__emulator/state', rebound)
    expect(state.status).toBe(403)
    expect(JSON.parse(state.body)).toMatchObject({ code: 'forbidden.hostNotAllowed' })
    expect(state.body).not.toContain('zhangwei')
    for (const host of [`localhost:${port}`, `127.0.0.2:${port}`, `[::1]:${port}`]) {
      expect((await rawRequest(emu.url, 'GET', '/__emulator/state', { host })).status, host).toBe(200)
    }
    for (const host of [`127.0.0.1.rebind.example:${port}`, `localhost.rebind.example:${port}`, `0.0.0.0:${port}`]) {
      expect((await rawRequest(emu.url, 'GET', '/__emulator/state', { host })).status, host).toBe(403)
    }
  })

  it('answers the hosts listed in EMULATOR_ALLOWED_HOSTS', async () => {
    const listed = await startEmulator(emulatorOptionsFromEnv({ EMULATOR_ALLOWED_HOSTS: 'emulator.internal' }))
    try {
      const port = new URL(listed.url).port
      expect((await rawRequest(listed.url, 'GET', '/__emulator/state', { host: `emulator.internal:${port}` })).status).toBe(200)
      expect((await rawRequest(listed.url, 'GET', '/__emulator/state', { host: `rebind.example:${port}` })).status).toBe(403)
    } finally {
      await listed.close()
    }
  })

  it('takes calls from its own origin and from tools that send no Origin', async () => {
    const own = await postJson(`${emu.url}/__emulator/faults`, { path: '/v1.0/', status: 500 }, { origin: emu.url })
    expect(own.status).toBe(200)
    expect(await faultCount()).toBe(1)
    // Bodiless calls (reset, clearing faults) need no Content-Type.
    expect((await fetch(`${emu.url}/__emulator/faults`, { method: 'DELETE' })).status).toBe(200)
    expect((await fetch(`${emu.url}/__emulator/reset`, { method: 'POST' })).status).toBe(200)
  })

  it('answers 415 to a form or text body, as a web page would post it', async () => {
    const bodies: Array<[string, string]> = [
      ['application/x-www-form-urlencoded', 'path=%2Fv1.0%2F&status=500'],
      ['text/plain', '{"path":"/v1.0/","status":500}'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="path"\r\n\r\n/v1.0/\r\n--x--\r\n'],
    ]
    for (const [type, body] of bodies) {
      const res = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', headers: { 'content-type': type }, body })
      expect(res.status).toBe(415)
      expect(await res.json()).toMatchObject({ code: 'unsupportedMediaType' })
    }
    const form = await fetch(`${emu.url}/__emulator/auth-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'userId=zhangwei',
    })
    expect(form.status).toBe(415)
    expect(await faultCount()).toBe(0)
  })

  it('keeps the HTML view open to a browser navigation, and emulated paths as they were', async () => {
    const docId = SEED.docs.weeklyReport.docId
    const plain = await fetch(`${emu.url}/__emulator/documents/${docId}`)
    expect(plain.status).toBe(200)
    expect(plain.headers.get('content-type')).toContain('text/html')
    const linked = await fetch(`${emu.url}/__emulator/documents/${docId}`, { headers: { origin: 'http://127.0.0.1:3000' } })
    expect(linked.status).toBe(200)
    const token = await postJson(`${emu.url}/v1.0/oauth2/accessToken`, CREDENTIALS, { origin: 'https://evil.example' })
    expect(token.status).toBe(200)
  })
})

describe('emulatorOptionsFromEnv', () => {
  it('reads EMULATOR_PROFILE and EMULATOR_OAPI_TOKEN, defaulting to rich and any', () => {
    const defaults = { profile: 'rich', oapiToken: 'any', allowedHosts: [] }
    expect(emulatorOptionsFromEnv({})).toEqual(defaults)
    expect(emulatorOptionsFromEnv({ EMULATOR_PROFILE: '', EMULATOR_OAPI_TOKEN: '', EMULATOR_ALLOWED_HOSTS: '' })).toEqual(defaults)
    expect(emulatorOptionsFromEnv({ EMULATOR_PROFILE: 'minimal', EMULATOR_OAPI_TOKEN: 'legacy' })).toEqual({
      profile: 'minimal',
      oapiToken: 'legacy',
      allowedHosts: [],
    })
    expect(emulatorOptionsFromEnv({ EMULATOR_ALLOWED_HOSTS: ' Emulator , 192.168.1.20:3001,[fd00::1] ' }).allowedHosts).toEqual([
      'emulator',
      '192.168.1.20:3001',
      '[fd00::1]',
    ])
  })

  it('names every bad value', () => {
    expect(() => emulatorOptionsFromEnv({ EMULATOR_PROFILE: 'generous', EMULATOR_OAPI_TOKEN: 'old' })).toThrow(
      /EMULATOR_PROFILE must be one of rich, documented, minimal, got "generous".*EMULATOR_OAPI_TOKEN must be one of any, legacy, got "old"/,
    )
    expect(() => emulatorOptionsFromEnv({ EMULATOR_ALLOWED_HOSTS: 'ok.example,http://x/,a b' })).toThrow(
      /EMULATOR_ALLOWED_HOSTS must be a comma list of host names, got "http:\/\/x\/", "a b"/,
    )
  })
})
