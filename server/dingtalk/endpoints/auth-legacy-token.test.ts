/**
 * Silent login against an emulator whose oapi accepts only legacy `/gettoken` tokens
 * (`EMULATOR_OAPI_TOKEN=legacy`; docs/dingtalk.md#legacy-gettoken): the client falls back to the
 * legacy token, remembers that oapi needs it, caches it like the app token, and never logs it.
 */
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../../emulator'
import { APP_KEY, APP_SECRET, authCode, callsTo, client, emuUrl, logged, useClientEmulator, ZHANG } from '@testing/dingtalk-emulator'
import { failure } from '@testing/dingtalk-client'

useClientEmulator({ oapiToken: 'legacy' })

const LOGIN_PATH = '/topapi/v2/user/getuserinfo'
const me = { userId: ZHANG.userId, unionId: ZHANG.unionId, name: ZHANG.name }

describe('oapi refusing the v1.0 app token', () => {
  it('falls back to the legacy token without spending the auth code, then uses it directly', async () => {
    const { api } = client()
    await expect(api.getUserByAuthCode(await authCode(ZHANG.userId))).resolves.toEqual(me)
    // The v1.0 token is refused (40014, HTTP 200 on oapi), the legacy one accepted.
    expect((await callsTo(LOGIN_PATH)).map((c) => c.status)).toEqual([200, 200])
    expect(await callsTo('/gettoken')).toHaveLength(1)

    await expect(api.getUserByAuthCode(await authCode(ZHANG.userId))).resolves.toEqual(me)
    await expect(api.getUserByAuthCode(await authCode(ZHANG.userId))).resolves.toEqual(me)
    expect(await callsTo(LOGIN_PATH)).toHaveLength(4)
    expect(await callsTo('/gettoken')).toHaveLength(1)
    // api.dingtalk.com keeps the v1.0 token.
    await api.getMineWorkspace(ZHANG.unionId)
    expect(await callsTo('/v1.0/oauth2/accessToken')).toHaveLength(1)
  })

  it('renews the legacy token 5 minutes before it expires, like the app token', async () => {
    const clock = createManualClock()
    const { api } = client({ clock })
    await api.getUserByAuthCode(await authCode(ZHANG.userId))
    clock.advance((7200 - 300) * 1000 - 1)
    await api.getUserByAuthCode(await authCode(ZHANG.userId))
    expect(await callsTo('/gettoken')).toHaveLength(1)
    clock.advance(1)
    await api.getUserByAuthCode(await authCode(ZHANG.userId))
    expect(await callsTo('/gettoken')).toHaveLength(2)
  })

  it('asks for one legacy token when many first logins arrive together (single-flight)', async () => {
    const { api } = client()
    const codes = await Promise.all(Array.from({ length: 4 }, () => authCode(ZHANG.userId)))
    const users = await Promise.all(codes.map((code) => api.getUserByAuthCode(code)))
    expect(users).toEqual(codes.map(() => me))
    expect(await callsTo('/gettoken')).toHaveLength(1)
  })

  it('fails clearly when told to use only the v1.0 token (no legacy call)', async () => {
    const { api } = client({ oapiToken: 'app' })
    const err = await failure(api.getUserByAuthCode(await authCode(ZHANG.userId)))
    expect(err).toMatchObject({ dingtalkCode: '40014', appCode: 'dingtalk_unavailable', appStatus: 502 })
    expect(await callsTo('/gettoken')).toHaveLength(0)
  })

  it('never logs the app secret or either token', async () => {
    const { api } = client()
    await api.getUserByAuthCode(await authCode(ZHANG.userId))
    const legacyRes = await fetch(`${emuUrl()}/gettoken?appkey=${APP_KEY}&appsecret=${APP_SECRET}`)
    const { access_token: legacyToken } = (await legacyRes.json()) as { access_token: string }
    const text = logged.join('')
    expect(text).toContain('oapi refused the v1.0 app token')
    for (const secret of [APP_SECRET, 'appsecret', legacyToken, 'access_token']) expect(text).not.toContain(secret)
  })
})
