/**
 * Wire-level behaviour of the client against a tiny local HTTP fake: things the emulator does not
 * produce on purpose (HTML error pages, gateway envelopes, the IP-ban body, Retry-After headers,
 * hung responses, a refused connection) and the exact headers of the upload PUT.
 * Behaviour against the emulator is in transport.test.ts and endpoints/*.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDingTalkClient } from './client'
import { failure, fakeClient } from '@testing/dingtalk-client'

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void

let server: Server
let base: string
let handler: Handler
const seen: { method: string; url: string; headers: IncomingMessage['headers']; bodyLength: number }[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength: body.length })
      if (req.url === '/v1.0/oauth2/accessToken') return json(res, 200, { accessToken: 'tok-1', expireIn: 7200 })
      handler(req, body, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections() // the "hung response" tests leave sockets open
  await new Promise<void>((resolve) => server.close(() => resolve()))
})
afterEach(() => {
  seen.length = 0
})

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

function client(extra: Partial<Parameters<typeof createDingTalkClient>[0]> = {}) {
  // The rate limiter shares `sleep`; the fake client keeps it out of the way so `sleeps` shows backoff only.
  return fakeClient(base, extra)
}

const calls = (path: string) => seen.filter((s) => s.url.startsWith(path)).length

describe('error envelopes', () => {
  it('reads the capitalised gateway envelope and its request id', async () => {
    handler = (_req, _b, res) =>
      json(res, 403, { Code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied', Message: '没有调用该接口的权限', RequestId: 'GW-1' })
    const err = await failure(client().api.getMineWorkspace('u1'))
    expect(err).toMatchObject({
      status: 403,
      dingtalkCode: 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      requestId: 'GW-1',
      appStatus: 502,
    })
    expect(calls('/v2.0/wiki/mineWorkspaces')).toBe(1)
  })

  it('reads an oapi envelope even when it comes with an HTTP error status', async () => {
    handler = (_req, _b, res) => json(res, 500, { errcode: 90018, errmsg: '应用QPS超限', request_id: 'oapi-1' })
    const err = await failure(client().api.getUserByAuthCode('code-1'))
    expect(err).toMatchObject({ status: 500, dingtalkCode: '90018', requestId: 'oapi-1', appCode: 'rate_limited' })
    expect(calls('/topapi/v2/user/getuserinfo')).toBe(3) // throttled: the code was not consumed, so it may be resent
  })

  it('treats an HTML 503 page as retryable unavailability and gives up after 3 attempts', async () => {
    handler = (_req, _b, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>')
    const { api, sleeps } = client()
    const err = await failure(api.getMineWorkspace('u1'))
    expect(err).toMatchObject({ status: 503, dingtalkCode: 'nonJsonError', appCode: 'dingtalk_unavailable', appStatus: 503 })
    expect(err.retryAfterSeconds).toBeGreaterThan(0)
    expect(calls('/v2.0/wiki/mineWorkspaces')).toBe(3)
    expect(sleeps).toEqual([500, 1000])
  })

  it.each([200, 405])('maps the anti-abuse IP ban body (HTTP %i) to rate_limited without hammering DingTalk', async (status) => {
    handler = (_req, _b, res) => json(res, status, { status: 1111, wait: 5, source: 'x5', punish: 'deny', uuid: 'x' })
    const err = await failure(client().api.getMineWorkspace('u1'))
    expect(err).toMatchObject({ dingtalkCode: 'ipBanned', appCode: 'rate_limited', appStatus: 429, retryable: false })
    expect(err.retryAfterSeconds).toBe(300)
    expect(calls('/v2.0/wiki/mineWorkspaces')).toBe(1)
  })

  it('honours DingTalk Retry-After (capped) when it is longer than the backoff', async () => {
    let n = 0
    handler = (_req, _b, res) => {
      n++
      if (n === 1) return json(res, 429, { code: 'systemBusy', message: 'busy', requestid: 'r' }, { 'retry-after': '3' })
      json(res, 200, { workspace: { workspaceId: 'w', rootNodeId: 'r', name: 'Mine' } })
    }
    const { api, sleeps } = client()
    await expect(api.getMineWorkspace('u1')).resolves.toMatchObject({ workspaceId: 'w' })
    expect(sleeps).toEqual([3000])
  })

  it('rejects a malformed success body as invalidResponse (502) without retrying', async () => {
    handler = (_req, _b, res) => json(res, 200, { workspace: { name: 'no ids' } })
    const err = await failure(client().api.getMineWorkspace('u1'))
    expect(err).toMatchObject({ dingtalkCode: 'invalidResponse', appCode: 'dingtalk_unavailable', appStatus: 502 })
    handler = (_req, _b, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>')
    expect(await failure(client().api.getMineWorkspace('u1'))).toMatchObject({ dingtalkCode: 'invalidResponse' })
    expect(calls('/v2.0/wiki/mineWorkspaces')).toBe(2)
  })
})

describe('network failures', () => {
  it('times out a hung response and retries it (idempotent read)', async () => {
    handler = () => {} // never answers
    const { api } = client({ timeoutMs: 300 })
    const err = await failure(api.getMineWorkspace('u1'))
    expect(err).toMatchObject({ status: 0, dingtalkCode: 'timeout', appStatus: 503, retryable: true })
    expect(calls('/v2.0/wiki/mineWorkspaces')).toBe(3)
  })

  it('does not repeat a timed-out insert and flags its outcome as unknown', async () => {
    handler = () => {}
    const { api } = client({ timeoutMs: 300 })
    const err = await failure(api.insertBlock('doc', 'u1', { element: { blockType: 'paragraph', paragraph: {} } }))
    expect(err).toMatchObject({ dingtalkCode: 'timeout', outcomeUnknown: true })
    expect(calls('/v1.0/doc/suites/documents/doc/blocks')).toBe(1)
  })

  it('reports a refused connection as 503 after retries', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const { api, sleeps } = client({ apiBase: `http://127.0.0.1:${port}` })
    const err = await failure(api.getMineWorkspace('u1'))
    expect(err).toMatchObject({ status: 0, dingtalkCode: 'ECONNREFUSED', appCode: 'dingtalk_unavailable', appStatus: 503 })
    expect(sleeps).toHaveLength(2)
  })
})

describe('configuration', () => {
  it('fails fast on a bad base URL, missing credentials or rate', () => {
    const ok = { apiBase: 'https://api.dingtalk.io', oapiBase: 'https://oapi.dingtalk.io/', appKey: 'k', appSecret: 's' }
    expect(() => createDingTalkClient(ok)).not.toThrow()
    expect(() => createDingTalkClient({ ...ok, apiBase: 'api.dingtalk.com' })).toThrow(/apiBase is not a URL/)
    expect(() => createDingTalkClient({ ...ok, oapiBase: 'ftp://oapi.dingtalk.com' })).toThrow(/oapiBase must be http/)
    expect(() => createDingTalkClient({ ...ok, appSecret: '' })).toThrow(/appSecret/)
    expect(() => createDingTalkClient({ ...ok, requestsPerSecond: 0 })).toThrow(RangeError)
  })

  it('joins a base URL that ends with a slash correctly', async () => {
    handler = (_req, _b, res) => json(res, 200, { workspace: { workspaceId: 'w', rootNodeId: 'r', name: 'Mine' } })
    await client({ apiBase: `${base}/` }).api.getMineWorkspace('u1')
    expect(seen.map((s) => s.url.split('?')[0])).toContain('/v2.0/wiki/mineWorkspaces')
  })
})

describe('requests as sent', () => {
  it('URL-encodes path parameters and always sends operatorId in the query', async () => {
    handler = (_req, _b, res) => json(res, 200, { node: { nodeId: 'a/b', workspaceId: 'w', name: 'n', type: 'FILE', url: 'u' } })
    await client().api.getNode('a/b?c', 'union 1')
    const req = seen.find((s) => s.url.startsWith('/v2.0/wiki/nodes/'))
    expect(req?.url).toBe('/v2.0/wiki/nodes/a%2Fb%3Fc?operatorId=union+1&withPermissionRole=true')
    expect(req?.headers['x-acs-dingtalk-access-token']).toBe('tok-1')
  })

  it('clamps page sizes to what the wiki API allows', async () => {
    handler = (_req, _b, res) => json(res, 200, { workspaces: [], nodes: [], nextToken: '' })
    const { api } = client()
    await expect(api.listWorkspaces('u', { maxResults: 500 })).resolves.toEqual({ items: [], nextToken: null })
    await api.listNodes('root', 'u', { maxResults: 500, nextToken: 'nt' })
    const ws = new URL(base + (seen.find((s) => s.url.startsWith('/v2.0/wiki/workspaces'))?.url ?? ''))
    expect(ws.searchParams.get('maxResults')).toBe('30')
    expect(ws.searchParams.get('withPermissionRole')).toBe('true')
    const nodes = new URL(base + (seen.find((s) => s.url.startsWith('/v2.0/wiki/nodes'))?.url ?? ''))
    expect(Object.fromEntries(nodes.searchParams)).toMatchObject({
      parentNodeId: 'root',
      maxResults: '50',
      nextToken: 'nt',
      withPermissionRole: 'true',
    })
  })

  it('PUTs the upload with exactly Content-Type and Content-Length, not chunked', async () => {
    handler = (_req, _b, res) => res.writeHead(200).end()
    const size = 3 * 1024 * 1024
    await client().api.putResource(`${base}/__oss/r1?Expires=1&Signature=abc`, Readable.from(chunks(size)), {
      mediaType: 'image/jpeg',
      size,
    })
    const put = seen.find((s) => s.method === 'PUT')
    expect(put?.headers['content-type']).toBe('image/jpeg')
    expect(put?.headers['content-length']).toBe(String(size))
    expect(put?.headers['transfer-encoding']).toBeUndefined()
    expect(put?.bodyLength).toBe(size)
  })

  it('refuses an upload URL that is not absolute http(s) without sending anything', async () => {
    const body = Readable.from(chunks(10))
    const err = await failure(
      client().api.putResource('/core/api/resources/img/x?Signature=abc', body, { mediaType: 'image/png', size: 10 }),
    )
    expect(err).toMatchObject({ dingtalkCode: 'invalidResponse', appStatus: 502 })
    expect(err.message).not.toContain('Signature')
    expect(body.destroyed).toBe(true)
  })

  it('fails an upload body shorter than size with size_mismatch, once', async () => {
    handler = (_req, _b, res) => res.writeHead(200).end()
    const err = await failure(
      client().api.putResource(`${base}/__oss/r2?Expires=1&Signature=abc`, Readable.from(chunks(1000)), {
        mediaType: 'image/png',
        size: 2000,
      }),
    )
    expect(err).toMatchObject({ dingtalkCode: 'bodyLengthMismatch', appCode: 'size_mismatch', appStatus: 400 })
  })
})

async function* chunks(total: number, chunkSize = 64 * 1024): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += chunkSize) yield Buffer.alloc(Math.min(chunkSize, total - sent), 7)
}
