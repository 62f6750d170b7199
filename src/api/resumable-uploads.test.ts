// The H5's side of resumable uploads: tus-js-client (its browser build, as the app ships it) against
// an in-memory tus 1.0 server, then the resource poll through the app's own HTTP layer (fake-api.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HttpRequest, HttpResponse, HttpStack, PreviousUpload, UrlStorage } from 'tus-js-client'
import { installFakeApi, errorReply, type FakeApi } from '@testing/fake-api'
import { ApiError } from './http'
import { uploadResumable } from './resumable-uploads'

// The package's main entry is its Node build, which reads Buffers and streams; the app is bundled
// with the browser build, which reads Blobs (what the queue holds).
vi.mock('tus-js-client', async () => {
  // @ts-expect-error -- the browser build's path has no declaration file; its types are the package's own.
  const browserBuild: typeof import('tus-js-client') = await import('tus-js-client/lib.esm/browser/index.js')
  return browserBuild
})

const DOC = 'docA1'
const SHA = 'a'.repeat(64)
const RESOURCE = {
  resourceId: 'res-1',
  resourceUrl: 'https://emu/res-1',
  resourceToken: 'tok:res-1',
  name: 'report.pdf',
  mediaType: 'application/pdf',
  size: 1000,
  kind: 'file',
  duplicateOf: null,
  evidence: null,
}

/** What the in-memory server does with the next PATCH instead of taking all its bytes. */
type Fault = { status: number; body?: string; headers?: Record<string, string> } | { cutAfter: number }

interface SeenRequest {
  method: string
  url: string
  /** Upload-Offset the client sent (PATCH). */
  offset?: number
  /** Upload-Metadata the client sent (POST). */
  metadata?: string
}

/** A tus 1.0 server holding one upload in memory, with faults to answer the next PATCHes with. */
function fakeTusServer(size: number) {
  let offset = 0
  let created = false
  const faults: Fault[] = []
  const seen: SeenRequest[] = []
  const answer = (status: number, headers: Record<string, string> = {}, body = ''): HttpResponse => ({
    getStatus: () => status,
    getHeader: (name) => headers[name.toLowerCase()],
    getBody: () => body,
    getUnderlyingObject: () => null,
  })
  const stack: HttpStack = {
    getName: () => 'in-memory tus server',
    createRequest(method: string, url: string): HttpRequest {
      const headers: Record<string, string> = {}
      return {
        getMethod: () => method,
        getURL: () => url,
        setHeader: (name, value) => void (headers[name.toLowerCase()] = value),
        getHeader: (name) => headers[name.toLowerCase()],
        setProgressHandler: () => undefined,
        getUnderlyingObject: () => null,
        abort: async () => undefined,
        async send(body?: Blob) {
          seen.push({
            method,
            url,
            ...(method === 'PATCH' ? { offset: Number(headers['upload-offset']) } : {}),
            ...(method === 'POST' ? { metadata: headers['upload-metadata'] } : {}),
          })
          if (method === 'POST') {
            created = true
            return answer(201, { location: `/api/documents/${DOC}/uploads/up-1` })
          }
          if (!created) return answer(404)
          if (method === 'HEAD') return answer(200, { 'upload-offset': String(offset), 'upload-length': String(size) })
          if (method !== 'PATCH' || !body) return answer(405)
          if (Number(headers['upload-offset']) !== offset) return answer(409, {}, 'offset mismatch')
          const fault = faults.shift()
          if (fault && 'cutAfter' in fault) {
            // The connection drops mid-request: the server keeps what arrived, the client hears nothing.
            offset += fault.cutAfter
            throw new Error('connection reset')
          }
          if (fault) return answer(fault.status, fault.headers ?? {}, fault.body ?? '')
          offset += body.size
          return answer(204, { 'upload-offset': String(offset) })
        },
      }
    },
  }
  return {
    stack,
    seen,
    faults,
    patches: () => seen.filter((r) => r.method === 'PATCH'),
    creations: () => seen.filter((r) => r.method === 'POST'),
    get offset() {
      return offset
    },
  }
}

/** The URL storage of a page that never stored anything (no earlier attempt to resume). */
function memoryUrls(): UrlStorage {
  const stored = new Map<string, PreviousUpload>()
  return {
    findAllUploads: async () => [...stored.values()],
    findUploadsByFingerprint: async (fp) => (stored.has(fp) ? [stored.get(fp)!] : []),
    removeUpload: async (key) => void stored.delete(key),
    addUpload: async (fp, upload) => {
      stored.set(fp, { ...upload, urlStorageKey: fp })
      return fp
    },
  }
}

const file = (size: number) => new Blob([new Uint8Array(size).fill(7)], { type: 'application/pdf' })
const resourceRoute = `GET /documents/${DOC}/uploads/up-1/resource`

let api: FakeApi
beforeEach(() => {
  api = installFakeApi()
  api.on(resourceRoute, { status: 200, body: RESOURCE })
})
afterEach(() => {
  api.restore()
  vi.useRealTimers()
})

/** Lets promises and tus-js-client's zero-delay steps run (setImmediate is never faked). */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r))
}

/** Lets `ms` of fake time pass, then everything that became due run. */
async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
  await settle()
}

/** A 1000-byte PDF through `uploadResumable` against `server`, as the H5 sends it. */
function send(server: ReturnType<typeof fakeTusServer>, name = 'report.pdf') {
  return uploadResumable(DOC, file(1000), name, 'application/pdf', { sha256: SHA, urlStorage: memoryUrls(), httpStack: server.stack })
}

describe('uploadResumable', () => {
  it('creates the upload, sends the bytes, and answers what the server made of the file', async () => {
    const server = fakeTusServer(1000)
    const resource = await send(server)
    expect(resource).toEqual(RESOURCE)
    expect(server.creations()).toHaveLength(1)
    expect(server.offset).toBe(1000)
  })

  it('carries a stamped photo’s evidence claim as the `evidence` metadata (its JSON, base64 as tus encodes every value)', async () => {
    const server = fakeTusServer(1000)
    const evidence = {
      code: 'AAAA-BBBB-CCCC',
      takenAt: null,
      takenAtSource: 'picked' as const,
      place: '上海',
      lines: ['验证码 AAAA-BBBB-CCCC'],
    }
    await uploadResumable(DOC, file(1000), 'IMG_1.jpg', 'image/jpeg', {
      sha256: SHA,
      urlStorage: memoryUrls(),
      httpStack: server.stack,
      evidence,
    })
    const pairs = (server.creations()[0]?.metadata ?? '').split(',').map((pair) => pair.split(' '))
    const value = pairs.find(([key]) => key === 'evidence')?.[1] ?? ''
    expect(JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))))).toEqual(evidence)
  })

  it('after a cut connection continues from the byte the server has, not from zero', async () => {
    const server = fakeTusServer(1000)
    server.faults.push({ cutAfter: 400 })
    await send(server)
    expect(server.creations()).toHaveLength(1)
    expect(server.patches().map((p) => p.offset)).toEqual([0, 400])
    expect(server.offset).toBe(1000)
  })

  it('retries 503, 429 and 408 with growing waits, then finishes the same upload', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const server = fakeTusServer(1000)
    server.faults.push({ status: 503 }, { status: 429 }, { status: 408 })
    let result: unknown = null
    void send(server).then((r) => (result = r))
    await settle()
    expect(server.patches()).toHaveLength(1)
    // The 503 is retried at once, the 429 after a second, the 408 after three more.
    await elapse(0)
    expect(server.patches()).toHaveLength(2)
    await elapse(999)
    expect(server.patches()).toHaveLength(2)
    await elapse(1)
    expect(server.patches()).toHaveLength(3)
    await elapse(2_999)
    expect(server.patches()).toHaveLength(3)
    await elapse(1)
    expect(server.patches()).toHaveLength(4)
    await elapse(0)
    expect(result).toEqual(RESOURCE)
    expect(server.creations()).toHaveLength(1)
  })

  it('a 409 (the server is at another offset) asks where it stands and carries on from there', async () => {
    const server = fakeTusServer(1000)
    server.faults.push({ cutAfter: 300 }, { status: 409, body: 'offset mismatch' })
    await send(server)
    const methods = server.seen.map((r) => r.method)
    expect(methods.slice(-2)).toEqual(['HEAD', 'PATCH'])
    expect(server.patches().at(-1)?.offset).toBe(300)
    expect(server.offset).toBe(1000)
  })

  it('does not retry a refusal, and reports it with our error code', async () => {
    const server = fakeTusServer(1000)
    const envelope = JSON.stringify({ error: { code: 'forbidden', message: 'no', requestId: 'r1' } })
    server.faults.push({ status: 403, body: envelope, headers: { 'content-type': 'application/json' } })
    const failure = await send(server).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure).toMatchObject({ code: 'forbidden', status: 403 })
    expect(server.patches()).toHaveLength(1)
  })

  it('waits out DingTalk being unavailable after the last byte instead of sending the file again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const server = fakeTusServer(1000)
    let polls = 0
    api.on(resourceRoute, () => {
      polls++
      if (polls === 1) return { status: 202, body: { status: 'processing' } }
      if (polls === 2) return errorReply(503, 'dingtalk_unavailable', {}, { 'retry-after': '5' })
      return { status: 200, body: RESOURCE }
    })
    let result: unknown = null
    void send(server).then((r) => (result = r))
    await settle()
    await vi.advanceTimersByTimeAsync(300) // the 202's short wait
    await settle()
    expect(polls).toBe(2)
    await elapse(4_900)
    expect(polls).toBe(2) // Retry-After: 5 s
    await elapse(100)
    expect(result).toEqual(RESOURCE)
    expect(server.creations()).toHaveLength(1)
    expect(server.patches()).toHaveLength(1)
  })

  it('gives up on the poll at once for an answer about the file itself (415)', async () => {
    const server = fakeTusServer(1000)
    api.on(resourceRoute, errorReply(415, 'unsupported_type'))
    const failure = await send(server, 'x.pdf').catch((err: unknown) => err)
    expect(failure).toMatchObject({ code: 'unsupported_type', status: 415 })
    expect(api.count(resourceRoute)).toBe(1)
  })
})
