/**
 * Production hardening (docs/api.md): stalled requests get 408, per-person caps answer 429 with
 * Retry-After, `/api/*` is never cached, signing out ends the session on the server, and text
 * carrying markup anywhere is refused.
 */
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorBodySchema } from '@contract/api'
import { SEED } from './emulator/seed'
import { createTestApp, type TestApp } from '@testing/test-app'
import { getState } from '@testing/emulator-control'

const DOC = SEED.docs.sitePhotos.docId
let t: TestApp | undefined
const sockets: Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await t?.close()
  t = undefined
})

async function listening(app: TestApp): Promise<{ host: string; port: number }> {
  await app.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.app.server.address() as AddressInfo
  return { host: '127.0.0.1', port }
}

/** Opens a raw connection, writes `head`, and collects whatever the server answers until it closes. */
function rawRequest(addr: { host: string; port: number }, head: string): { socket: Socket; answer: Promise<string> } {
  const socket = connect(addr.port, addr.host)
  sockets.push(socket)
  socket.write(head)
  const answer = new Promise<string>((resolve) => {
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')))
    socket.on('close', () => resolve(text))
    socket.on('error', () => resolve(text))
  })
  return { socket, answer }
}

function parseAnswer(raw: string): { status: number; headers: string; body: { code: string } } {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
  return { status, headers: head.toLowerCase(), body: ErrorBodySchema.parse(JSON.parse(body)).error }
}

describe('stalled requests', () => {
  it('answers 408 request_timeout when the headers do not arrive in time', async () => {
    t = await createTestApp({ timeouts: { headersMs: 300 } })
    const addr = await listening(t)
    const { answer } = rawRequest(addr, 'POST /api/session HTTP/1.1\r\nHost: x\r\n')
    const got = parseAnswer(await answer)
    expect(got.status).toBe(408)
    expect(got.body.code).toBe('request_timeout')
  })

  it('answers 408 request_timeout when a body stops arriving, even unauthenticated sign-in', async () => {
    t = await createTestApp({ timeouts: { bodyIdleMs: 300 } })
    const addr = await listening(t)
    const { answer } = rawRequest(
      addr,
      'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"authCode":',
    )
    const got = parseAnswer(await answer)
    expect(got.status).toBe(408)
    expect(got.body.code).toBe('request_timeout')
    expect(got.headers).toContain('connection: close')
  })

  it('answers 408 for an upload whose body stalls after its head, and never hands out a token', async () => {
    t = await createTestApp({ timeouts: { bodyIdleMs: 300 } })
    const owner = await t.signIn('zhangwei')
    const addr = await listening(t)
    const head = Buffer.from('plain text that keeps going '.repeat(3000))
    const { socket, answer } = rawRequest(
      addr,
      `POST /api/documents/${DOC}/resources?name=notes.txt HTTP/1.1\r\nHost: ${addr.host}:${addr.port}\r\n` +
        `Cookie: ${owner.cookie}\r\nX-CSRF-Token: ${owner.csrfToken}\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${head.length + 1000}\r\n\r\n`,
    )
    socket.write(head)
    const got = parseAnswer(await answer)
    expect(got.status).toBe(408)
    expect(got.body.code).toBe('request_timeout')
    expect((await getState(t.emulatorUrl)).resources.filter((r) => r.uploaded)).toEqual([])
  })

  it('lets a slow body that keeps moving finish', async () => {
    t = await createTestApp({ timeouts: { bodyIdleMs: 300 } })
    const addr = await listening(t)
    const body = JSON.stringify({ authCode: 'not-a-real-code' })
    const { socket, answer } = rawRequest(
      addr,
      `POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    )
    // Slower overall than the idle limit, but never idle for as long.
    for (const ch of body.match(/.{1,6}/g) ?? []) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      socket.write(ch)
    }
    const got = parseAnswer(await answer)
    expect(got.status).toBe(401)
    expect(got.body.code).toBe('auth_code_invalid')
  })
})

describe('per-person caps', () => {
  it('refuses more concurrent uploads than MAX_CONCURRENT_UPLOADS_PER_PERSON with 429 and Retry-After', async () => {
    t = await createTestApp({ env: { MAX_CONCURRENT_UPLOADS_PER_PERSON: '3' } })
    const owner = await t.signIn('zhangwei')
    const other = await t.signIn('lina')
    const addr = await listening(t)
    const started = [1, 2, 3].map(() =>
      rawRequest(
        addr,
        `POST /api/documents/${DOC}/resources?name=a.txt HTTP/1.1\r\nHost: ${addr.host}:${addr.port}\r\n` +
          `Cookie: ${owner.cookie}\r\nX-CSRF-Token: ${owner.csrfToken}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nhello`,
      ),
    )
    const url = `http://${addr.host}:${addr.port}/api/documents/${DOC}/resources?name=b.txt`
    const send = (who: typeof owner) =>
      fetch(url, { method: 'POST', headers: { ...who.headers, 'content-type': 'text/plain' }, body: 'a small note' })
    // The three stalled uploads hold their slots once the server has their headers.
    let refused: Response | undefined
    for (let i = 0; i < 50 && refused?.status !== 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      refused = await send(owner)
    }
    expect(refused?.status).toBe(429)
    expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(ErrorBodySchema.parse(await refused?.json()).error.code).toBe('rate_limited')
    expect((await send(other)).status).not.toBe(429)
    for (const s of started) s.socket.destroy()
    // Slots come back when uploads end.
    let after: Response | undefined
    for (let i = 0; i < 50 && after?.status !== 201; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      after = await send(owner)
    }
    expect(after?.status).toBe(201)
  })

  it('limits insertion requests per person per minute (INSERT_RATE_PER_MINUTE) with 429 and Retry-After', async () => {
    t = await createTestApp({ env: { INSERT_RATE_PER_MINUTE: '2' } })
    const owner = await t.signIn('zhangwei')
    const other = await t.signIn('lina')
    const post = (who: typeof owner) =>
      t!.inject({
        method: 'POST',
        url: `/api/documents/${DOC}/insertions`,
        headers: { ...who.headers, 'idempotency-key': `key-${Math.random().toString(36).slice(2, 12)}` },
        payload: { items: [] },
      })
    expect((await post(owner)).statusCode).not.toBe(429)
    expect((await post(owner)).statusCode).not.toBe(429)
    const limited = await post(owner)
    expect(limited.statusCode).toBe(429)
    expect(limited.json().error.code).toBe('rate_limited')
    expect(limited.headers['retry-after']).toMatch(/^\d+$/)
    expect((await post(other)).statusCode).not.toBe(429)
  })
})

describe('answers and sessions', () => {
  it('marks every /api answer, errors included, Cache-Control: no-store', async () => {
    t = await createTestApp()
    for (const url of ['/api/health', '/api/config', '/api/session', '/api/nope']) {
      const r = await t.inject({ method: 'GET', url })
      expect(r.headers['cache-control'], url).toBe('no-store')
    }
  })

  it('ends the session on the server: a kept copy of the cookie is refused after sign-out', async () => {
    t = await createTestApp()
    const me = await t.signIn('zhangwei')
    expect((await t.inject({ method: 'GET', url: '/api/session', headers: { cookie: me.cookie } })).statusCode).toBe(200)
    const out = await t.inject({ method: 'DELETE', url: '/api/session', headers: me.headers })
    expect(out.statusCode).toBe(204)
    const replayed = await t.inject({ method: 'GET', url: '/api/session', headers: { cookie: me.cookie } })
    expect(replayed.statusCode).toBe(401)
    expect(replayed.json().error.code).toBe('unauthenticated')
    // Signing in again works as before.
    const again = await t.signIn('zhangwei')
    expect((await t.inject({ method: 'GET', url: '/api/session', headers: { cookie: again.cookie } })).statusCode).toBe(200)
  })

  it('reports readiness 503 while draining, health stays 200', async () => {
    const lifecycle = { draining: false }
    t = await createTestApp({ lifecycle })
    expect((await t.inject({ method: 'GET', url: '/api/health/ready' })).statusCode).toBe(200)
    lifecycle.draining = true
    const ready = await t.inject({ method: 'GET', url: '/api/health/ready' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json().error.code).toBe('service_unavailable')
    expect(ready.headers['retry-after']).toBeDefined()
    expect((await t.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({ status: 'ok', store: 'local' })
  })
})

describe('text files', () => {
  const upload = (app: TestApp, who: Record<string, string>, body: Buffer, name: string) =>
    app.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/resources?name=${name}`,
      headers: { ...who, 'content-type': 'text/plain' },
      payload: body,
    })

  it('refuses text with markup far beyond its first 64 KiB with 415 and no token', async () => {
    t = await createTestApp()
    const owner = await t.signIn('zhangwei')
    const page = Buffer.concat([Buffer.from('line of notes\n'.repeat(20_000)), Buffer.from('<script>alert(1)</script>\n')])
    const r = await upload(t, owner.headers, page, 'notes.txt')
    expect(r.statusCode).toBe(415)
    expect(r.json().error.code).toBe('unsupported_type')
    expect(r.body).not.toContain('resourceToken')
  })

  it('accepts long plain text', async () => {
    t = await createTestApp()
    const owner = await t.signIn('zhangwei')
    const r = await upload(t, owner.headers, Buffer.from('a,b,c\n1,2,3\n'.repeat(30_000)), 'table.csv')
    expect(r.statusCode).toBe(201)
    expect(r.json().mediaType).toBe('text/csv')
  })
})
