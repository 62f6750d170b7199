import { afterEach, describe, expect, it } from 'vitest'
import { SEED } from '../emulator/seed'
import { createTestApp, sessionCookie, type TestApp } from '@testing/test-app'

let t: TestApp
afterEach(async () => {
  await t?.close()
})

async function authCodeFor(userId: string): Promise<string> {
  const r = await t.inject({ method: 'POST', url: '/api/sandbox/auth-codes', payload: { userId } })
  expect(r.statusCode).toBe(200)
  return r.json<{ authCode: string }>().authCode
}

describe('sandbox sign-in helpers', () => {
  it('lists the demo users and issues an auth code that signs in as that person', async () => {
    t = await createTestApp()
    const users = await t.inject({ method: 'GET', url: '/api/sandbox/users' })
    expect(users.statusCode).toBe(200)
    const items = users.json<{ items: { userId: string; name: string }[] }>().items
    expect(items).toContainEqual({ userId: SEED.users.lina.userId, name: SEED.users.lina.name })

    const authCode = await authCodeFor(SEED.users.lina.userId)
    const session = await t.inject({ method: 'POST', url: '/api/session', payload: { authCode } })
    expect(session.statusCode).toBe(200)
    expect(session.json().user).toEqual({ userId: SEED.users.lina.userId, unionId: SEED.users.lina.unionId, name: SEED.users.lina.name })
  })

  it('refuses an unknown demo user and a malformed body with 400 invalid_request', async () => {
    t = await createTestApp()
    const unknown = await t.inject({ method: 'POST', url: '/api/sandbox/auth-codes', payload: { userId: 'nobody' } })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error.code).toBe('invalid_request')
    const malformed = await t.inject({ method: 'POST', url: '/api/sandbox/auth-codes', payload: { user: 1 } })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().error.code).toBe('invalid_request')
  })

  it('does not exist in live mode', async () => {
    t = await createTestApp({ mode: 'live' })
    const users = await t.inject({ method: 'GET', url: '/api/sandbox/users' })
    expect(users.statusCode).toBe(404)
    expect(users.json().error.code).toBe('not_found')
    const codes = await t.inject({ method: 'POST', url: '/api/sandbox/auth-codes', payload: { userId: SEED.users.lina.userId } })
    expect(codes.statusCode).toBe(404)
    expect(codes.json().error.code).toBe('not_found')
    const health = await t.inject({ method: 'GET', url: '/api/health' })
    expect(health.json()).toEqual({ status: 'ok', mode: 'live', store: 'local', storeReachable: true })
  })
})

describe('POST /api/session', () => {
  it('signs in, sets a HttpOnly SameSite=Lax cookie (not Secure over http) and returns the CSRF token', async () => {
    t = await createTestApp()
    const authCode = await authCodeFor(SEED.users.zhangwei.userId)
    const r = await t.inject({ method: 'POST', url: '/api/session', payload: { authCode } })
    expect(r.statusCode).toBe(200)
    const body = r.json<{ user: unknown; csrfToken: string }>()
    expect(body.user).toEqual({ userId: 'zhangwei', unionId: SEED.users.zhangwei.unionId, name: '张伟' })
    expect(body.csrfToken.length).toBeGreaterThanOrEqual(32)
    const cookie = String(r.headers['set-cookie'])
    expect(cookie).toMatch(/^doc_attach_session=/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).toMatch(/Path=\//)
    expect(cookie).not.toMatch(/Secure/)
    // The cookie is encrypted: neither the unionId nor the CSRF token is readable in it.
    expect(cookie).not.toContain(SEED.users.zhangwei.unionId)
    expect(cookie).not.toContain(body.csrfToken)
  })

  it('marks the cookie Secure behind an https proxy when proxies are trusted', async () => {
    t = await createTestApp({ trustProxy: true })
    const authCode = await authCodeFor(SEED.users.zhangwei.userId)
    const r = await t.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { authCode },
    })
    expect(r.statusCode).toBe(200)
    expect(String(r.headers['set-cookie'])).toMatch(/; Secure/)
  })

  it('ignores X-Forwarded-Proto when proxies are not trusted', async () => {
    t = await createTestApp()
    const authCode = await authCodeFor(SEED.users.zhangwei.userId)
    const r = await t.inject({ method: 'POST', url: '/api/session', headers: { 'x-forwarded-proto': 'https' }, payload: { authCode } })
    expect(String(r.headers['set-cookie'])).not.toMatch(/Secure/)
  })

  it('refuses a replayed auth code and an unknown one with 401 auth_code_invalid', async () => {
    t = await createTestApp()
    const authCode = await authCodeFor(SEED.users.zhangwei.userId)
    expect((await t.inject({ method: 'POST', url: '/api/session', payload: { authCode } })).statusCode).toBe(200)
    const replay = await t.inject({ method: 'POST', url: '/api/session', payload: { authCode } })
    expect(replay.statusCode).toBe(401)
    expect(replay.json().error.code).toBe('auth_code_invalid')
    expect(replay.headers['set-cookie']).toBeUndefined()
    const unknown = await t.inject({ method: 'POST', url: '/api/session', payload: { authCode: 'not-a-code' } })
    expect(unknown.statusCode).toBe(401)
    expect(unknown.json().error.code).toBe('auth_code_invalid')
  })

  it.each([
    ['no body field', { code: 'x' }],
    ['an empty code', { authCode: '' }],
    ['a number', { authCode: 42 }],
  ])('answers 400 invalid_request for %s', async (_name, payload) => {
    t = await createTestApp()
    const r = await t.inject({ method: 'POST', url: '/api/session', payload })
    expect(r.statusCode).toBe(400)
    expect(r.json().error).toMatchObject({ code: 'invalid_request', requestId: r.headers['x-request-id'] })
    expect(r.json().error.message).toMatch(/authCode/)
  })

  it('rate-limits sign-in attempts per address with 429 rate_limited and Retry-After', async () => {
    t = await createTestApp({ env: { LOGIN_RATE_PER_MINUTE: '3' } })
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      statuses.push((await t.inject({ method: 'POST', url: '/api/session', payload: { authCode: `bad-${i}` } })).statusCode)
    }
    expect(statuses).toEqual([401, 401, 401])
    const limited = await t.inject({ method: 'POST', url: '/api/session', payload: { authCode: 'bad-4' } })
    expect(limited.statusCode).toBe(429)
    expect(limited.json().error.code).toBe('rate_limited')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // Another address is not affected.
    const other = await t.inject({ method: 'POST', url: '/api/session', remoteAddress: '10.0.0.9', payload: { authCode: 'bad-5' } })
    expect(other.statusCode).toBe(401)
  })

  it('refuses a sign-in posted from another site (Origin mismatch) with 403 csrf_failed', async () => {
    t = await createTestApp()
    const authCode = await authCodeFor(SEED.users.zhangwei.userId)
    const r = await t.inject({
      method: 'POST',
      url: '/api/session',
      headers: { origin: 'https://evil.example', host: 'localhost:3000' },
      payload: { authCode },
    })
    expect(r.statusCode).toBe(403)
    expect(r.json().error.code).toBe('csrf_failed')
    const same = await t.inject({
      method: 'POST',
      url: '/api/session',
      headers: { origin: 'http://localhost:3000', host: 'localhost:3000' },
      payload: { authCode },
    })
    expect(same.statusCode).toBe(200)
  })
})

describe('GET and DELETE /api/session', () => {
  it('returns the signed-in person and the same CSRF token', async () => {
    t = await createTestApp()
    const me = await t.signIn('lina')
    const r = await t.inject({ method: 'GET', url: '/api/session', headers: { cookie: me.cookie } })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toEqual({ user: me.user, csrfToken: me.csrfToken })
  })

  it('answers 401 unauthenticated without a cookie or with a tampered one', async () => {
    t = await createTestApp()
    const none = await t.inject({ method: 'GET', url: '/api/session' })
    expect(none.statusCode).toBe(401)
    expect(none.json().error.code).toBe('unauthenticated')
    const me = await t.signIn('lina')
    const tampered = me.cookie.slice(0, -6) + 'AAAAAA'
    const r = await t.inject({ method: 'GET', url: '/api/session', headers: { cookie: tampered } })
    expect(r.statusCode).toBe(401)
  })

  it('signs out with 204 and clears the cookie; a fresh sign-in gets a new CSRF token', async () => {
    t = await createTestApp()
    const me = await t.signIn('lina')
    const out = await t.inject({ method: 'DELETE', url: '/api/session', headers: me.headers })
    expect(out.statusCode).toBe(204)
    expect(out.body).toBe('')
    const cleared = String(out.headers['set-cookie'])
    expect(cleared).toMatch(/^doc_attach_session=;/)
    expect(cleared).toMatch(/Max-Age=0/)
    const again = await t.signIn('lina')
    expect(again.csrfToken).not.toBe(me.csrfToken)
  })

  it('requires the CSRF token to sign out', async () => {
    t = await createTestApp()
    const me = await t.signIn('lina')
    const r = await t.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: me.cookie } })
    expect(r.statusCode).toBe(403)
    expect(r.json().error.code).toBe('csrf_failed')
  })

  it('ends the session 8 hours after sign-in, however active it was', async () => {
    t = await createTestApp()
    const me = await t.signIn('lina')
    t.clock.advance(8 * 60 * 60 * 1000 - 1000)
    expect((await t.inject({ method: 'GET', url: '/api/session', headers: { cookie: me.cookie } })).statusCode).toBe(200)
    t.clock.advance(1000)
    const expired = await t.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: me.cookie } })
    expect(expired.statusCode).toBe(401)
    expect(expired.json().error.code).toBe('unauthenticated')
    expect(String(expired.headers['set-cookie'])).toMatch(/Max-Age=0/)
  })

  it('a session cookie from another server secret is not accepted', async () => {
    t = await createTestApp()
    const me = await t.signIn('lina')
    const other = await createTestApp()
    try {
      const r = await other.inject({ method: 'GET', url: '/api/session', headers: { cookie: me.cookie } })
      expect(r.statusCode).toBe(401)
    } finally {
      await other.close()
    }
  })
})

describe('CSRF', () => {
  it('refuses state-changing calls with a missing or wrong token, and accepts the right one', async () => {
    t = await createTestApp()
    const me = await t.signIn('zhangwei')
    const url = '/api/documents/resolve'
    const payload = { url: SEED.docs.weeklyReport.url }
    const missing = await t.inject({ method: 'POST', url, headers: { cookie: me.cookie }, payload })
    expect(missing.statusCode).toBe(403)
    expect(missing.json().error.code).toBe('csrf_failed')
    const wrong = await t.inject({
      method: 'POST',
      url,
      headers: { cookie: me.cookie, 'x-csrf-token': me.csrfToken.replace(/.$/, 'x') },
      payload,
    })
    expect(wrong.statusCode).toBe(403)
    // Another person's token does not work with this cookie.
    const other = await t.signIn('lina')
    const crossed = await t.inject({ method: 'POST', url, headers: { cookie: me.cookie, 'x-csrf-token': other.csrfToken }, payload })
    expect(crossed.statusCode).toBe(403)
    const ok = await t.inject({ method: 'POST', url, headers: me.headers, payload })
    expect(ok.statusCode).toBe(200)
  })

  it('refuses a state-changing call from another origin even with the right token', async () => {
    t = await createTestApp({ env: { PUBLIC_ORIGIN: 'https://attach.example.com' } })
    const me = await t.signIn('zhangwei')
    const payload = { url: SEED.docs.weeklyReport.url }
    const evil = await t.inject({
      method: 'POST',
      url: '/api/documents/resolve',
      headers: { ...me.headers, origin: 'https://attach.example.com.evil.net' },
      payload,
    })
    expect(evil.statusCode).toBe(403)
    expect(evil.json().error.code).toBe('csrf_failed')
    const good = await t.inject({
      method: 'POST',
      url: '/api/documents/resolve',
      headers: { ...me.headers, origin: 'https://attach.example.com' },
      payload,
    })
    expect(good.statusCode).toBe(200)
  })
})

describe('session cookie helper', () => {
  it('sessionCookie extracts name=value', async () => {
    t = await createTestApp()
    const authCode = await authCodeFor(SEED.users.zhangwei.userId)
    const r = await t.inject({ method: 'POST', url: '/api/session', payload: { authCode } })
    expect(sessionCookie(r)).toMatch(/^doc_attach_session=[^;]+$/)
  })
})
