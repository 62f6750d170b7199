/**
 * The transport against the in-process emulator: token caching and refresh, retries and their
 * limits, error mapping, rate limiting and log hygiene. Backoff uses a recorded fake `sleep`, so
 * nothing here waits on the wall clock.
 */
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../emulator'
import {
  APP_KEY,
  APP_SECRET,
  authCode,
  callsTo,
  client,
  emuClock,
  emuUrl,
  fault,
  generated,
  logged,
  TOKEN_PATH,
  UPLOAD_PATH,
  uploadReq,
  useClientEmulator,
  WANG,
  WEEKLY,
  ZHANG,
} from '@testing/dingtalk-emulator'
import { failure } from '@testing/dingtalk-client'

useClientEmulator()

// ---- app token ---------------------------------------------------------------

describe('app token', () => {
  it('is fetched once and reused for many calls', async () => {
    const { api } = client()
    for (let i = 0; i < 5; i++) await api.getMineWorkspace(ZHANG.unionId)
    await Promise.all([api.listWorkspaces(ZHANG.unionId, {}), api.queryBlocks(WEEKLY.docId, ZHANG.unionId)])
    expect(await callsTo(TOKEN_PATH)).toHaveLength(1)
    expect(await callsTo('/v2.0/wiki/mineWorkspaces')).toHaveLength(5)
  })

  it('is requested once when many first calls arrive together (single-flight)', async () => {
    const { api } = client()
    await Promise.all(Array.from({ length: 8 }, () => api.getMineWorkspace(ZHANG.unionId)))
    expect(await callsTo(TOKEN_PATH)).toHaveLength(1)
  })

  it('is refreshed 5 minutes before expireIn on the client clock', async () => {
    const clock = createManualClock()
    const { api } = client({ clock })
    await api.getMineWorkspace(ZHANG.unionId)
    clock.advance((7200 - 300) * 1000 - 1)
    await api.getMineWorkspace(ZHANG.unionId)
    expect(await callsTo(TOKEN_PATH)).toHaveLength(1)
    clock.advance(1)
    await api.getMineWorkspace(ZHANG.unionId)
    expect(await callsTo(TOKEN_PATH)).toHaveLength(2)
  })

  it('is dropped and refreshed once when DingTalk answers InvalidAuthentication', async () => {
    const { api } = client()
    await api.getMineWorkspace(ZHANG.unionId)
    // DingTalk's clock passes the token's life while ours still trusts it.
    emuClock.advance(7201 * 1000)
    await expect(api.getMineWorkspace(ZHANG.unionId)).resolves.toMatchObject({ name: expect.any(String) })
    const calls = await callsTo('/v2.0/wiki/mineWorkspaces')
    expect(calls.map((c) => c.status)).toEqual([200, 400, 200])
    expect(await callsTo(TOKEN_PATH)).toHaveLength(2)
  })

  it('is refreshed on oapi 42001 without spending the auth code twice', async () => {
    const { api } = client()
    await api.getMineWorkspace(ZHANG.unionId)
    emuClock.advance(7201 * 1000)
    const code = await authCode(ZHANG.userId)
    await expect(api.getUserByAuthCode(code)).resolves.toEqual({ userId: ZHANG.userId, unionId: ZHANG.unionId, name: ZHANG.name })
    expect(await callsTo(TOKEN_PATH)).toHaveLength(2)
  })

  it('refreshes only once when DingTalk keeps rejecting the new token', async () => {
    const { api } = client()
    await fault({ path: '/v2.0/wiki/mineWorkspaces', status: 400, code: 'InvalidAuthentication', times: 5 })
    const err = await failure(api.getMineWorkspace(ZHANG.unionId))
    expect(err).toMatchObject({ dingtalkCode: 'InvalidAuthentication', appCode: 'dingtalk_unavailable', appStatus: 502 })
    expect(await callsTo('/v2.0/wiki/mineWorkspaces')).toHaveLength(2)
    expect(await callsTo(TOKEN_PATH)).toHaveLength(2)
  })

  it('is refreshed once on a 401 authFailed too', async () => {
    const { api } = client()
    await api.getMineWorkspace(ZHANG.unionId)
    await fault({ path: '/v2.0/wiki/mineWorkspaces', status: 401, code: 'authFailed', times: 1 })
    await expect(api.getMineWorkspace(ZHANG.unionId)).resolves.toMatchObject({ workspaceId: expect.any(String) })
    expect(await callsTo(TOKEN_PATH)).toHaveLength(2)
  })

  it('fails clearly with a wrong app secret', async () => {
    const { api } = client({ appSecret: 'wrong' })
    const err = await failure(api.getMineWorkspace(ZHANG.unionId))
    expect(err).toMatchObject({ status: 400, dingtalkCode: 'invalidClientIdOrSecret', appStatus: 502 })
    expect(await callsTo(TOKEN_PATH)).toHaveLength(1)
  })
})

// ---- retries and error mapping ---------------------------------------------------

describe('retries', () => {
  it.each([
    [503, 'operationTimeout'],
    [500, 'systemError'],
    [500, 'unknownError'],
    [403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'],
    [429, 'systemBusy'],
  ])('retries %i %s with backoff, then succeeds', async (status, code) => {
    const { api, sleeps } = client()
    await fault({ path: UPLOAD_PATH, status, code, times: 2 })
    const info = await api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, uploadReq)
    expect(info.uploadUrl).toContain('Signature=')
    const calls = await callsTo(UPLOAD_PATH)
    expect(calls.map((c) => c.status)).toEqual([status, status, 200])
    expect(sleeps).toEqual([750, 1500]) // base 1 s, doubling, jitter 0.5 → 3/4 of each step
  })

  it.each([
    [503, 'operationTimeout', 'dingtalk_unavailable', 503],
    [500, 'systemError', 'dingtalk_unavailable', 503],
    [500, 'unknownError', 'dingtalk_unavailable', 503],
    [403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 'rate_limited', 429],
  ])('gives up on %i %s after 3 attempts → %s %i with Retry-After', async (status, code, appCode, appStatus) => {
    const { api, sleeps } = client()
    await fault({ path: UPLOAD_PATH, status, code })
    const err = await failure(api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, uploadReq))
    expect(err).toMatchObject({ status, dingtalkCode: code, appCode, appStatus, retryable: true })
    expect(err.retryAfterSeconds).toBeGreaterThan(0)
    expect(err.requestId).toEqual(expect.any(String))
    expect(await callsTo(UPLOAD_PATH)).toHaveLength(3)
    expect(sleeps).toHaveLength(2)
  })

  it.each([
    [400, 'paramError', 'invalid_request', 400],
    [403, 'permissionDenied', 'forbidden', 403],
    [404, 'docNotExist', 'document_not_found', 404],
    [403, 'forbidden.accessDenied', 'forbidden', 403],
  ])('never retries %i %s → %s %i', async (status, code, appCode, appStatus) => {
    const { api, sleeps } = client()
    await fault({ path: UPLOAD_PATH, status, code })
    const err = await failure(api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, uploadReq))
    expect(err).toMatchObject({ status, dingtalkCode: code, appCode, appStatus, retryable: false })
    expect(await callsTo(UPLOAD_PATH)).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('maps real emulator refusals: read-only user, unknown document, bad input', async () => {
    const { api } = client()
    expect(await failure(api.getResourceUploadInfo(WEEKLY.docId, WANG.unionId, uploadReq))).toMatchObject({
      status: 403,
      dingtalkCode: 'permissionDenied',
      appCode: 'forbidden',
    })
    expect(await failure(api.getResourceUploadInfo('noSuchDoc000', ZHANG.unionId, uploadReq))).toMatchObject({
      status: 404,
      dingtalkCode: 'docNotExist',
      appCode: 'document_not_found',
    })
    expect(await failure(api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, { ...uploadReq, size: -1 }))).toMatchObject({
      status: 400,
      dingtalkCode: 'paramError',
      appCode: 'invalid_request',
    })
    expect(await callsTo(UPLOAD_PATH)).toHaveLength(3)
  })

  it('times out a slow answer and retries it', async () => {
    // Generous margins: the machine may be busy, and only the first answer is meant to be late.
    const { api, sleeps } = client({ timeoutMs: 1500 })
    await fault({ path: '/v2.0/wiki/mineWorkspaces', latencyMs: 4000, times: 1 })
    await expect(api.getMineWorkspace(ZHANG.unionId)).resolves.toMatchObject({ workspaceId: expect.any(String) })
    expect(sleeps).toHaveLength(1)
  })

  it('does not repeat an insert after a 503 that may have applied it', async () => {
    const { api } = client()
    await fault({
      path: `/v1.0/doc/suites/documents/${WEEKLY.docId}/blocks`,
      method: 'POST',
      status: 503,
      code: 'operationTimeout',
      times: 1,
    })
    const err = await failure(
      api.insertBlock(WEEKLY.docId, ZHANG.unionId, { element: { blockType: 'paragraph', paragraph: { text: 'x' } } }),
    )
    expect(err).toMatchObject({ appStatus: 503, retryable: true, outcomeUnknown: true })
    expect(await callsTo(`/v1.0/doc/suites/documents/${WEEKLY.docId}/blocks`, 'POST')).toHaveLength(1)
  })

  it('does repeat an insert the gateway throttled (it never reached the document)', async () => {
    const { api } = client()
    await fault({
      path: `/v1.0/doc/suites/documents/${WEEKLY.docId}/blocks`,
      method: 'POST',
      status: 403,
      code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
      times: 1,
    })
    const block = await api.insertBlock(WEEKLY.docId, ZHANG.unionId, { element: { blockType: 'paragraph', paragraph: { text: 'once' } } })
    const blocks = await api.queryBlocks(WEEKLY.docId, ZHANG.unionId)
    expect(block).not.toBeNull()
    expect(blocks.filter((b) => b.paragraph?.text === 'once').map((b) => b.id)).toEqual([block?.id])
  })
})

// ---- rate limiting -------------------------------------------------------------------

describe('rate limiting', () => {
  it('spaces 40 calls to one API at 20/s over ≥ 1.9 s of (fake) time and lets them all through', async () => {
    const clock = createManualClock()
    const start = clock.now()
    const { api } = client({ clock, sleep: async (ms) => clock.advance(ms), requestsPerSecond: 20, burst: 2 })
    for (let i = 0; i < 40; i++) await api.getMineWorkspace(ZHANG.unionId)
    expect(clock.now() - start).toBeGreaterThanOrEqual(1900)
    expect(await callsTo('/v2.0/wiki/mineWorkspaces')).toHaveLength(40)
  })

  it('makes concurrent callers wait rather than fail', async () => {
    const waits: number[] = []
    const { api } = client({ sleep: async (ms) => void waits.push(ms), requestsPerSecond: 20, burst: 2 })
    const results = await Promise.all(Array.from({ length: 10 }, () => api.listWorkspaces(ZHANG.unionId, {})))
    expect(results).toHaveLength(10)
    // 2 burst tokens, then one slot every 50 ms for the other 8.
    expect(waits.sort((a, b) => a - b).at(-1)).toBeGreaterThanOrEqual(350)
    expect(waits.length).toBeGreaterThanOrEqual(8)
  })
})

// ---- log hygiene ----------------------------------------------------------------------------

describe('logging', () => {
  it('logs one debug line per call and never the secret, token, auth code or upload signature', async () => {
    const { api } = client()
    const code = await authCode(ZHANG.userId)
    await api.getUserByAuthCode(code)
    await failure(api.getUserByAuthCode(code))
    const info = await api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, uploadReq)
    await api.putResource(info.uploadUrl, Readable.from(generated(uploadReq.size)), { mediaType: 'image/jpeg', size: uploadReq.size })
    await fault({ path: UPLOAD_PATH, status: 503, code: 'operationTimeout', times: 1 })
    await api.getResourceUploadInfo(WEEKLY.docId, ZHANG.unionId, uploadReq)
    emuClock.advance(3600 * 1000)
    await failure(
      api.putResource(info.uploadUrl, Readable.from(generated(uploadReq.size)), { mediaType: 'image/jpeg', size: uploadReq.size }),
    )

    // The token DingTalk issued (a repeat request inside its TTL returns the same one, docs/dingtalk.md#access-token).
    const tokenRes = await fetch(`${emuUrl()}${TOKEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: APP_KEY, appSecret: APP_SECRET }),
    })
    const { accessToken } = (await tokenRes.json()) as { accessToken: string }
    const signature = new URL(info.uploadUrl).searchParams.get('Signature') ?? 'missing'

    const text = logged.join('')
    for (const secret of [APP_SECRET, accessToken, code, signature, encodeURIComponent(signature), 'Signature=', 'access_token']) {
      expect(text).not.toContain(secret)
    }
    const lines = logged.map((l) => JSON.parse(l) as Record<string, unknown>)
    const calls = lines.filter((l) => l.msg === 'dingtalk call')
    expect(calls.find((l) => l.path === '/v1.0/doc/docs/resources/{docId}/uploadInfos/query' && l.status === 503)).toMatchObject({
      level: 20,
      method: 'POST',
      attempt: 1,
      durationMs: expect.any(Number),
    })
    expect(lines.filter((l) => l.msg === 'dingtalk upload').map((l) => l.url)).toEqual([
      `${emuUrl()}/__oss/${info.resourceId}`,
      `${emuUrl()}/__oss/${info.resourceId}`,
    ])
  })
})
