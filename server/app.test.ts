import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SEED } from './emulator/seed'
import { AppError } from './errors'
import { ACCEPTED_MEDIA_TYPES } from './services/upload/media-types'
import { createTestApp, LIVE_ENV, type TestApp } from '@testing/test-app'

let t: TestApp
afterEach(async () => {
  await t?.close()
})

function expectErrorShape(r: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string) {
  expect(r.statusCode).toBe(status)
  expect(r.headers['content-type']).toMatch(/^application\/json/)
  expect(r.json()).toEqual({ error: { code, message: expect.any(String), requestId: r.headers['x-request-id'] } })
}

describe('health and config', () => {
  it('GET /api/health reports the mode', async () => {
    t = await createTestApp()
    const r = await t.inject({ method: 'GET', url: '/api/health' })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toEqual({ status: 'ok', mode: 'sandbox', store: 'local', storeReachable: true })
  })

  it('GET /api/config gives corpId and limits, from the environment', async () => {
    t = await createTestApp({ env: { MAX_FILE_BYTES: '5000000', MAX_FILES_PER_BATCH: '7' } })
    const r = await t.inject({ method: 'GET', url: '/api/config' })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toEqual({
      mode: 'sandbox',
      corpId: 'ding-emulator-corp',
      clientId: 'ding-emulator-app',
      limits: { maxFileBytes: 5_000_000, maxImageBytes: 20 * 1024 * 1024, maxFilesPerBatch: 7, acceptedTypes: [...ACCEPTED_MEDIA_TYPES] },
      evidence: { available: true, default: false },
    })
    expect(r.json().limits.acceptedTypes).toEqual(expect.arrayContaining(['image/jpeg', 'image/png', 'application/pdf', 'video/mp4']))
    expect(r.json().limits.acceptedTypes).not.toContain('text/html')
  })

  it('gives the live corpId and app key (clientId, public) in live mode, never the secret', async () => {
    t = await createTestApp({ mode: 'live', env: { DINGTALK_CORP_ID: 'dingcorp123', DINGTALK_APP_KEY: 'dingappkey42' } })
    const r = await t.inject({ method: 'GET', url: '/api/config' })
    expect(r.json()).toMatchObject({ mode: 'live', corpId: 'dingcorp123', clientId: 'dingappkey42' })
    expect(r.body).not.toContain(LIVE_ENV.DINGTALK_APP_SECRET)
  })
})

describe('error envelope', () => {
  it('answers unknown endpoints and wrong methods with 404 not_found', async () => {
    t = await createTestApp()
    expectErrorShape(await t.inject({ method: 'GET', url: '/api/nope' }), 404, 'not_found')
    expectErrorShape(await t.inject({ method: 'POST', url: '/api/nope', payload: {} }), 404, 'not_found')
    expectErrorShape(await t.inject({ method: 'PUT', url: '/api/session', payload: {} }), 404, 'not_found')
    expectErrorShape(await t.inject({ method: 'GET', url: '/not-the-api' }), 404, 'not_found')
  })

  it('answers malformed JSON, an empty JSON body and wrong field types with 400 invalid_request', async () => {
    t = await createTestApp()
    const headers = { 'content-type': 'application/json' }
    expectErrorShape(await t.inject({ method: 'POST', url: '/api/session', headers, payload: '{"authCode":' }), 400, 'invalid_request')
    expectErrorShape(await t.inject({ method: 'POST', url: '/api/session', headers, payload: '' }), 400, 'invalid_request')
    expectErrorShape(await t.inject({ method: 'POST', url: '/api/session', headers, payload: '[]' }), 400, 'invalid_request')
    expectErrorShape(await t.inject({ method: 'POST', url: '/api/session', headers, payload: 'null' }), 400, 'invalid_request')
    const wrongType = await t.inject({ method: 'POST', url: '/api/session', payload: { authCode: ['a'] } })
    expectErrorShape(wrongType, 400, 'invalid_request')
    expect(wrongType.json().error.message).toMatch(/authCode/)
  })

  it('answers a non-JSON body on a JSON route with 415 unsupported_type', async () => {
    t = await createTestApp()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await t.inject({ method: 'POST', url: '/api/session', headers: { 'content-type': type }, payload: 'authCode=abc' })
      expectErrorShape(r, 415, 'unsupported_type')
    }
  })

  it('answers a huge JSON body with 413 payload_too_large, but only after the session check', async () => {
    t = await createTestApp()
    const huge = JSON.stringify({ authCode: 'x'.repeat(2 * 1024 * 1024) })
    const headers = { 'content-type': 'application/json' }
    expectErrorShape(await t.inject({ method: 'POST', url: '/api/session', headers, payload: huge }), 413, 'payload_too_large')
    // Without a session the body is never read: 401, not 413.
    expectErrorShape(await t.inject({ method: 'POST', url: '/api/documents/resolve', headers, payload: huge }), 401, 'unauthenticated')
    const me = await t.signIn('zhangwei')
    expectErrorShape(
      await t.inject({
        method: 'POST',
        url: '/api/documents/resolve',
        headers: { ...headers, ...me.headers },
        payload: JSON.stringify({ url: 'x'.repeat(2 * 1024 * 1024) }),
      }),
      413,
      'payload_too_large',
    )
  })

  it('hides internals of unexpected failures behind 500 internal_error and logs them with the request id', async () => {
    t = await createTestApp()
    t.app.get('/api/boom', { config: { public: true } }, async () => {
      throw new Error('secret internal detail at /srv/db')
    })
    const r = await t.inject({ method: 'GET', url: '/api/boom' })
    expectErrorShape(r, 500, 'internal_error')
    expect(r.body).not.toContain('secret internal detail')
    const logged = t.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.requestId === r.headers['x-request-id'] && l.level === 50)
    expect(JSON.stringify(logged)).toContain('secret internal detail')
  })

  it('passes AppError details and headers through', async () => {
    t = await createTestApp()
    t.app.get('/api/partial', { config: { public: true } }, async () => {
      throw new AppError('dingtalk_unavailable', {
        status: 503,
        message: 'Some items are not in yet.',
        details: { blocks: [], pendingResourceIds: ['r1'] },
        headers: { 'retry-after': '7' },
      })
    })
    const r = await t.inject({ method: 'GET', url: '/api/partial' })
    expect(r.statusCode).toBe(503)
    expect(r.headers['retry-after']).toBe('7')
    expect(r.json()).toEqual({
      error: {
        code: 'dingtalk_unavailable',
        message: 'Some items are not in yet.',
        requestId: r.headers['x-request-id'],
        details: { blocks: [], pendingResourceIds: ['r1'] },
      },
    })
  })

  it('maps DingTalk outages to 503 dingtalk_unavailable with Retry-After', async () => {
    t = await createTestApp()
    const me = await t.signIn('zhangwei')
    const fault = await fetch(`${t.emulatorUrl}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/v2.0/wiki/workspaces', status: 503, code: 'operationTimeout', times: 10 }),
    })
    expect(fault.ok).toBe(true)
    const r = await t.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: me.cookie } })
    expectErrorShape(r, 503, 'dingtalk_unavailable')
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('sends a fresh x-request-id on every response, ignoring one the client sends', async () => {
    t = await createTestApp()
    const a = await t.inject({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'forged' } })
    const b = await t.inject({ method: 'GET', url: '/api/health' })
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id'])
  })
})

describe('guard before body', () => {
  it('answers an unauthenticated 200 MB upload with 401 after reading none of it', async () => {
    t = await createTestApp()
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = t.app.server.address() as AddressInfo
    const response = await new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/documents/${SEED.docs.weeklyReport.docId}/resources?name=big.bin`,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(200 * 1024 * 1024) },
      })
      req.on('response', (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }))
      })
      // The server hangs up once it has answered; that ends this request too.
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)))
      // One small chunk, then nothing: a server waiting for the body would never answer.
      req.write(Buffer.alloc(1024))
    })
    expect(response.status).toBe(401)
    expect(JSON.parse(response.body).error.code).toBe('unauthenticated')
    // The connection is closed rather than drained, so the rest of the 200 MB is never read.
    expect(response.connection).toBe('close')
  })
})

describe('security headers', () => {
  it('sends a CSP that allows only our own scripts and connections', async () => {
    t = await createTestApp()
    const r = await t.inject({ method: 'GET', url: '/api/health' })
    const csp = String(r.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self' 'unsafe-eval';")
    expect(csp).toContain("script-src-attr 'none'")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).toContain("img-src 'self' blob: data:")
    expect(csp).toContain("style-src 'self' 'unsafe-inline'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).not.toContain('upgrade-insecure-requests')
    expect(r.headers['x-content-type-options']).toBe('nosniff')
  })

  it('sends HSTS only when the request came over https, directly or per a trusted proxy', async () => {
    t = await createTestApp({ trustProxy: true })
    const plain = await t.inject({ method: 'GET', url: '/api/health' })
    expect(plain.headers['strict-transport-security']).toBeUndefined()
    const proxied = await t.inject({ method: 'GET', url: '/api/health', headers: { 'x-forwarded-proto': 'https' } })
    expect(proxied.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains')
    const proxiedPlain = await t.inject({ method: 'GET', url: '/api/health', headers: { 'x-forwarded-proto': 'http' } })
    expect(proxiedPlain.headers['strict-transport-security']).toBeUndefined()
  })

  it('ignores X-Forwarded-Proto from a client that is not a trusted proxy, and sends HSTS on a TLS connection', async () => {
    t = await createTestApp()
    const r = await t.inject({ method: 'GET', url: '/api/health', headers: { 'x-forwarded-proto': 'https' } })
    expect(r.headers['strict-transport-security']).toBeUndefined()
    // A TLS socket (node:tls TLSSocket) says `encrypted`; that is what Fastify reads for https.
    const app = t.app
    const server = createServer((req, res) => {
      Object.defineProperty(req.socket, 'encrypted', { value: true, configurable: true })
      app.routing(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const direct = await fetch(`http://127.0.0.1:${port}/api/health`)
      expect(direct.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains')
    } finally {
      server.close()
    }
  })

  it('upgrades insecure requests in live mode', async () => {
    t = await createTestApp({ mode: 'live' })
    const r = await t.inject({ method: 'GET', url: '/api/health' })
    expect(String(r.headers['content-security-policy'])).toContain('upgrade-insecure-requests')
  })
})

describe('serving the built H5', () => {
  it('serves index.html uncached and hashed assets with a long cache', async () => {
    const root = mkdtempSync(join(tmpdir(), 'doc-attach-dist-'))
    try {
      writeFileSync(join(root, 'index.html'), '<!doctype html><title>Doc Attach</title>')
      mkdirSync(join(root, 'assets'))
      writeFileSync(join(root, 'assets', 'index-AbC123.js'), 'console.log(1)')
      t = await createTestApp({ staticRoot: root })
      const index = await t.inject({ method: 'GET', url: '/?corpId=ding-emulator-corp' })
      expect(index.statusCode).toBe(200)
      expect(index.headers['content-type']).toMatch(/text\/html/)
      expect(index.body).toContain('Doc Attach')
      expect(index.headers['cache-control']).toBe('no-cache')
      const asset = await t.inject({ method: 'GET', url: '/assets/index-AbC123.js' })
      expect(asset.statusCode).toBe(200)
      expect(asset.headers['cache-control']).toMatch(/max-age=31536000, immutable/)
      expectErrorShape(await t.inject({ method: 'GET', url: '/assets/missing.js' }), 404, 'not_found')
      expectErrorShape(await t.inject({ method: 'GET', url: '/api/unknown' }), 404, 'not_found')
      // The API is still guarded when static files are served.
      expectErrorShape(await t.inject({ method: 'GET', url: '/api/workspaces' }), 401, 'unauthenticated')
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe('logs', () => {
  it('never contain cookies, auth codes, CSRF tokens or URL signatures', async () => {
    t = await createTestApp()
    const codeResponse = await t.inject({ method: 'POST', url: '/api/sandbox/auth-codes', payload: { userId: SEED.users.lina.userId } })
    const { authCode } = codeResponse.json<{ authCode: string }>()
    const session = await t.inject({ method: 'POST', url: '/api/session', payload: { authCode } })
    const { csrfToken } = session.json<{ csrfToken: string }>()
    const cookie = String(session.headers['set-cookie']).split(';')[0] ?? ''
    const cookieValue = cookie.split('=')[1] ?? ''
    await t.inject({ method: 'POST', url: '/api/session', payload: { authCode } }) // replay → 401, logged
    await t.inject({ method: 'GET', url: '/api/session', headers: { cookie, authorization: 'Bearer top-secret-bearer' } })
    await t.inject({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': 'wrong-token-value' } })
    await t.inject({ method: 'GET', url: '/api/health?Signature=sig-value-123&access_token=tok-value-456' })

    const text = t.logs.join('\n')
    expect(t.logs.length).toBeGreaterThan(5)
    expect(text).not.toContain(authCode)
    expect(text).not.toContain(csrfToken)
    expect(text).not.toContain(cookieValue)
    expect(text).not.toContain(decodeURIComponent(cookieValue))
    expect(text).not.toContain('top-secret-bearer')
    expect(text).not.toContain('wrong-token-value')
    expect(text).not.toContain('sig-value-123')
    expect(text).not.toContain('tok-value-456')
    // Requests are still traceable: every line of a request carries its id.
    expect(t.logs.some((l) => l.includes(String(session.headers['x-request-id'])))).toBe(true)
  })
})
