/**
 * What operators rely on (docs/api.md): `/metrics` on its own listener only, and a graceful stop
 * that turns readiness to 503 first and lets an upload in flight finish.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SEED } from './emulator/seed'
import { startServer, type RunningServer } from './server'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function start(env: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'doc-attach-ops-'))
  // Retries: a just-closed server's last journal or staging write may still be landing (ENOTEMPTY).
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }))
  const server = await startServer({ PORT: '0', EMULATOR_PORT: '0', DATA_DIR: dataDir, ...env }, { logger: false, staticRoot: null })
  cleanups.push(() => server.close().catch(() => undefined))
  return server
}

async function signIn(server: RunningServer): Promise<{ cookie: string; csrfToken: string }> {
  const code = await fetch(`${server.url}/api/sandbox/auth-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: SEED.users.zhangwei.userId }),
  })
  const { authCode } = (await code.json()) as { authCode: string }
  const session = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ authCode }),
  })
  const { csrfToken } = (await session.json()) as { csrfToken: string }
  return { cookie: (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrfToken }
}

describe('metrics', () => {
  it('serves Prometheus text on METRICS_PORT with requests by route and DingTalk calls by API, never on the public port', async () => {
    const server = await start({ METRICS_PORT: '0' })
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    await signIn(server)
    const res = await fetch(server.metricsUrl ?? '')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toMatch(/doc_attach_http_request_duration_seconds_bucket\{[^}]*route="\/api\/session"[^}]*status="200"/)
    expect(text).toMatch(/doc_attach_dingtalk_calls_total\{api="getUserByAuthCode",outcome="ok"\} \d+/)
    expect(text).toContain('doc_attach_upload_bytes_relayed_total')
    expect(text).toContain('doc_attach_document_lock_wait_seconds')
    expect(text).toContain('doc_attach_upload_lock_wait_seconds')
    expect(text).toContain('doc_attach_dingtalk_limiter_wait_seconds')
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404)
  })

  it('has no metrics listener without METRICS_PORT', async () => {
    const server = await start()
    expect(server.metricsUrl).toBeNull()
  })
})

describe('graceful shutdown', () => {
  it('answers readiness 503 first, then lets an upload in flight finish before closing', async () => {
    const server = await start()
    const me = await signIn(server)
    const { hostname, port } = new URL(server.url)
    const docId = SEED.docs.sitePhotos.docId
    const body = Buffer.from('a line of plain notes\n'.repeat(5000))
    const socket = connect(Number(port), hostname)
    cleanups.push(() => {
      socket.destroy()
    })
    const answer = new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (d: Buffer) => {
        text += d.toString()
        if (text.includes('\r\n\r\n')) resolve(text)
      })
      socket.on('close', () => resolve(text))
    })
    socket.write(
      `POST /api/documents/${docId}/resources?name=notes.txt HTTP/1.1\r\nHost: ${hostname}:${port}\r\nCookie: ${me.cookie}\r\n` +
        `X-CSRF-Token: ${me.csrfToken}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`,
    )
    socket.write(body.subarray(0, 70_000))
    await new Promise((resolve) => setTimeout(resolve, 200))

    const drained = server.drain(10_000, { announceMs: 400 })
    const ready = await fetch(`${server.url}/api/health/ready`)
    expect(ready.status).toBe(503)
    expect(((await ready.json()) as { error: { code: string } }).error.code).toBe('service_unavailable')
    await new Promise((resolve) => setTimeout(resolve, 600))
    // No new connections once the listener closed, while the upload in flight goes on.
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow()
    socket.write(body.subarray(70_000))
    expect(await answer).toMatch(/^HTTP\/1\.1 201 /)
    await drained
  })
})
