/**
 * Silent login against the in-process emulator: a single-use code is exchanged once, throttling is
 * retried, and (docs/dingtalk.md#legacy-gettoken) an oapi that refuses the v1.0 token gets the
 * legacy one.
 */
import { describe, expect, it } from 'vitest'
import { authCode, callsTo, client, fault, TOKEN_PATH, useClientEmulator, WANG, ZHANG } from '@testing/dingtalk-emulator'
import { failure } from '@testing/dingtalk-client'

useClientEmulator()

// ---- silent login --------------------------------------------------------------

describe('getUserByAuthCode', () => {
  it('exchanges a code once; the used code is auth_code_invalid and is not retried', async () => {
    const { api } = client()
    const code = await authCode(WANG.userId)
    await expect(api.getUserByAuthCode(code)).resolves.toEqual({ userId: WANG.userId, unionId: WANG.unionId, name: WANG.name })
    const err = await failure(api.getUserByAuthCode(code))
    expect(err).toMatchObject({ dingtalkCode: '40078', appCode: 'auth_code_invalid', appStatus: 401, retryable: false })
    expect(await callsTo('/topapi/v2/user/getuserinfo')).toHaveLength(2)
  })

  it('retries throttling (the code was not consumed) but not a system-busy answer', async () => {
    const { api, sleeps } = client()
    await fault({ path: '/topapi/v2/user/getuserinfo', code: 90018, times: 1 })
    const code = await authCode(ZHANG.userId)
    await expect(api.getUserByAuthCode(code)).resolves.toMatchObject({ unionId: ZHANG.unionId })
    expect(sleeps).toHaveLength(1)

    await fault({ path: '/topapi/v2/user/getuserinfo', code: -1, times: 1 })
    const err = await failure(api.getUserByAuthCode(await authCode(ZHANG.userId)))
    expect(err).toMatchObject({ dingtalkCode: '-1', appStatus: 503, outcomeUnknown: true })
    expect(await callsTo('/topapi/v2/user/getuserinfo')).toHaveLength(3)
  })
})

describe('oapi accepting the v1.0 app token', () => {
  it('logs in with the one app token and never asks for the legacy one', async () => {
    const { api } = client()
    await api.getUserByAuthCode(await authCode(ZHANG.userId))
    await api.getMineWorkspace(ZHANG.unionId)
    expect(await callsTo(TOKEN_PATH)).toHaveLength(1)
    expect(await callsTo('/gettoken')).toHaveLength(0)
  })
})
