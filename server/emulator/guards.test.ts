/**
 * Who may call what: oapi tokens in `legacy` mode (README "Legacy oapi tokens"), the control API's
 * refusal of cross-site and non-JSON requests (README "Control API"), and the environment that
 * chooses profile and token mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEmulator, emulatorOptionsFromEnv, startEmulator, type RunningEmulator } from './index'
import { SEED } from './seed'
import { getJson, postJson } from '@testing/emulator-sdk'

const CREDENTIALS = { appKey: 'ding-emulator-app', appSecret: 'emulator-secret' }

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
    expect(emulatorOptionsFromEnv({})).toEqual({ profile: 'rich', oapiToken: 'any' })
    expect(emulatorOptionsFromEnv({ EMULATOR_PROFILE: '', EMULATOR_OAPI_TOKEN: '' })).toEqual({ profile: 'rich', oapiToken: 'any' })
    expect(emulatorOptionsFromEnv({ EMULATOR_PROFILE: 'minimal', EMULATOR_OAPI_TOKEN: 'legacy' })).toEqual({
      profile: 'minimal',
      oapiToken: 'legacy',
    })
  })

  it('names every bad value', () => {
    expect(() => emulatorOptionsFromEnv({ EMULATOR_PROFILE: 'generous', EMULATOR_OAPI_TOKEN: 'old' })).toThrow(
      /EMULATOR_PROFILE must be one of rich, documented, minimal, got "generous".*EMULATOR_OAPI_TOKEN must be one of any, legacy, got "old"/,
    )
  })
})
