import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { ApiError, http, isRetryable, onUnauthenticated, request, setCsrfToken } from './http'
import { errorReply, installFakeApi, type FakeApi } from '@testing/fake-api'

let api: FakeApi

beforeEach(() => {
  api = installFakeApi()
  setCsrfToken(null)
})
afterEach(() => api.restore())

async function failureOf(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

describe('http error mapping', () => {
  it('turns our error envelope into an ApiError with code, status, requestId, details and Retry-After', async () => {
    api.on('POST /documents/d1/insertions', {
      ...errorReply(503, 'dingtalk_unavailable', { requestId: 'req-42', details: { pendingResourceIds: ['r2'] } }),
      headers: { 'retry-after': '7' },
    })
    const error = await failureOf(http.post('/documents/d1/insertions', {}))
    expect(error.code).toBe('dingtalk_unavailable')
    expect(error.status).toBe(503)
    expect(error.requestId).toBe('req-42')
    expect(error.details).toEqual({ pendingResourceIds: ['r2'] })
    expect(error.retryAfterSeconds).toBe(7)
    expect(error.message).toBe('dingtalk_unavailable (fake)')
  })

  it('maps an error without our envelope (a proxy page) from its status', async () => {
    api.on('GET /workspaces', { status: 502, body: '<html>Bad Gateway</html>' })
    api.on('GET /nodes', { status: 401, body: '' })
    expect((await failureOf(http.get('/workspaces'))).code).toBe('dingtalk_unavailable')
    expect((await failureOf(http.get('/nodes'))).code).toBe('unauthenticated')
  })

  it('reports a request that got no response as network_error with status 0', async () => {
    api.on('GET /documents', { fail: 'network' })
    const error = await failureOf(http.get('/documents'))
    expect(error).toMatchObject({ code: 'network_error', status: 0 })
  })

  it('reports a timed-out request as timeout with status 0', async () => {
    api.on('GET /documents', { fail: 'timeout' })
    const error = await failureOf(http.get('/documents'))
    expect(error).toMatchObject({ code: 'timeout', status: 0 })
  })

  it('rejects a success body that does not match the contract schema as invalid_response', async () => {
    api.on('GET /config', { status: 200, body: { mode: 'nonsense' } })
    const error = await failureOf(request(z.object({ mode: z.enum(['sandbox', 'live']) }), { url: '/config' }))
    expect(error).toMatchObject({ code: 'invalid_response', status: 200 })
  })

  it('returns the parsed body when it matches', async () => {
    api.on('GET /config', { status: 200, body: { mode: 'live', extra: 1 } })
    await expect(request(z.object({ mode: z.enum(['sandbox', 'live']) }), { url: '/config' })).resolves.toEqual({
      mode: 'live',
    })
  })
})

describe('csrf header', () => {
  it('sends x-csrf-token once a token is set, and stops after it is cleared', async () => {
    api.on('POST /documents/resolve', { status: 200, body: {} })
    await http.post('/documents/resolve', {})
    setCsrfToken('tok-1')
    await http.post('/documents/resolve', {})
    setCsrfToken(null)
    await http.post('/documents/resolve', {})
    expect(api.calls.map((c) => c.headers['x-csrf-token'])).toEqual([undefined, 'tok-1', undefined])
  })
})

describe('isRetryable', () => {
  it.each([
    ['network_error', 0, true],
    ['timeout', 0, true],
    ['rate_limited', 429, true],
    ['dingtalk_unavailable', 502, true],
    ['dingtalk_unavailable', 503, true],
    ['forbidden', 403, false],
    ['invalid_request', 400, false],
    ['internal_error', 500, false],
    ['cancelled', 0, false],
  ])('%s (%i) → %s', (code, status, expected) => {
    expect(isRetryable(new ApiError({ code, status, message: '' }))).toBe(expected)
  })

  it('is false for things that are not ApiErrors', () => {
    expect(isRetryable(new Error('x'))).toBe(false)
  })
})

describe('onUnauthenticated', () => {
  it('fires for a 401 from a data endpoint but not from the session endpoints', async () => {
    const listener = vi.fn()
    const off = onUnauthenticated(listener)
    api.on('GET /workspaces', errorReply(401, 'unauthenticated'))
    api.on('GET /session', errorReply(401, 'unauthenticated'))
    await failureOf(http.get('/session'))
    expect(listener).not.toHaveBeenCalled()
    await failureOf(http.get('/workspaces'))
    expect(listener).toHaveBeenCalledTimes(1)
    off()
    await failureOf(http.get('/workspaces'))
    expect(listener).toHaveBeenCalledTimes(1)
  })
})
