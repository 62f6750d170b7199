import { Readable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ErrorBodySchema, ResourceResponseSchema } from '@contract/api'
import { SEED } from '../emulator/seed'
import { createTestApp, type SignedIn, type TestApp } from '@testing/test-app'
import { addFault, getRequests, getState } from '@testing/emulator-control'
import { makePdf, makePng } from '@testing/sample-files'
import { makeIsoBmff, makeMp3, makeWav } from '@testing/sample-media'

const DOC = SEED.docs.sitePhotos.docId
const MAX_IMAGE = 64 * 1024
const MAX_FILE = 1024 * 1024

function errorCode(body: string): string {
  return ErrorBodySchema.parse(JSON.parse(body)).error.code
}

/** A stream that records whether anyone read from it. */
function untouchedStream(): { stream: Readable; touched: () => boolean } {
  let touched = false
  const stream = new Readable({
    read() {
      touched = true
      this.push(Buffer.alloc(1024))
      this.push(null)
    },
  })
  return { stream, touched: () => touched }
}

describe('POST /api/documents/:docId/resources', () => {
  let t: TestApp
  let owner: SignedIn
  let reader: SignedIn

  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_IMAGE_BYTES: String(MAX_IMAGE), MAX_FILE_BYTES: String(MAX_FILE) } })
    owner = await t.signIn('zhangwei')
    reader = await t.signIn('wangfang')
  })
  afterAll(async () => {
    await t.close()
  })
  beforeEach(async () => {
    await fetch(`${t.emulatorUrl}/__emulator/faults`, { method: 'DELETE' })
  })

  const post = (who: SignedIn, payload: Buffer | Readable, opts: { name?: string; type?: string; length?: string | null } = {}) => {
    const headers: Record<string, string> = { ...who.headers, 'content-type': opts.type ?? 'application/octet-stream' }
    if (opts.length !== undefined && opts.length !== null) headers['content-length'] = opts.length
    const query = opts.name === undefined ? '' : `?name=${encodeURIComponent(opts.name)}`
    return t.inject({ method: 'POST', url: `/api/documents/${DOC}/resources${query}`, headers, payload })
  }

  it('streams the bytes to DingTalk with the sniffed type and returns a token', async () => {
    const png = await makePng(3)
    const res = await post(owner, png, { name: '现场 1.png', type: 'image/png' })
    expect(res.statusCode).toBe(201)
    const body = ResourceResponseSchema.parse(res.json())
    expect(body).toMatchObject({ name: '现场 1.png', mediaType: 'image/png', size: png.length, kind: 'image' })
    expect(body.resourceToken).toMatch(/^v1\./)

    const stored = (await getState(t.emulatorUrl)).resources.find((r) => r.resourceId === body.resourceId)
    expect(stored).toMatchObject({ uploaded: true, mediaType: 'image/png', size: png.length, resourceName: '现场 1.png', docId: DOC })
    const bytes = Buffer.from(await (await fetch(new URL(body.resourceUrl, t.emulatorUrl))).arrayBuffer())
    expect(bytes.equals(png)).toBe(true)
  })

  it('overrides a vague or wrong declared type and fixes the extension', async () => {
    const png = await makePng(4)
    const res = await post(owner, png, { name: 'scan.pdf', type: 'application/pdf' })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ mediaType: 'image/png', name: 'scan.png', kind: 'image' })

    const pdf = await post(owner, makePdf(), { name: '../../合同', type: 'application/octet-stream' })
    expect(pdf.json()).toMatchObject({ mediaType: 'application/pdf', name: '合同.pdf', kind: 'file' })
  })

  it('names a nameless photo photo-<time>.jpg', async () => {
    const png = await makePng(5)
    const res = await post(owner, png, {})
    expect(res.json<{ name: string }>().name).toMatch(/^photo-\d{8}-\d{6}\.png$/)
  })

  it('answers 411 without Content-Length', async () => {
    const res = await post(owner, Readable.from([Buffer.from('hello')]), { length: null })
    expect(res.statusCode).toBe(411)
    expect(errorCode(res.body)).toBe('length_required')
  })

  it('answers 400 to a Content-Length that is not a number', async () => {
    const res = await post(owner, Readable.from([Buffer.from('%PDF-1.4\n')]), { length: '12abc', name: 'a.pdf' })
    expect(res.statusCode).toBe(400)
    expect(errorCode(res.body)).toBe('invalid_request')
  })

  it('answers 413 from Content-Length alone, without reading the body or calling DingTalk', async () => {
    const before = (await getRequests(t.emulatorUrl)).length
    const { stream, touched } = untouchedStream()
    const res = await post(owner, stream, { length: String(MAX_FILE + 1), name: 'big.zip' })
    expect(res.statusCode).toBe(413)
    expect(errorCode(res.body)).toBe('file_too_large')
    expect(touched()).toBe(false)
    expect((await getRequests(t.emulatorUrl)).slice(before)).toEqual([])
  })

  it('answers 413 for a picture over the photo limit right after sniffing, before any DingTalk call', async () => {
    const before = (await getRequests(t.emulatorUrl)).length
    const png = await makePng(6)
    const big = Buffer.concat([png, Buffer.alloc(MAX_IMAGE + 10 - png.length)])
    const res = await post(owner, big, { name: 'big.png' })
    expect(res.statusCode).toBe(413)
    expect(errorCode(res.body)).toBe('file_too_large')
    expect((await getRequests(t.emulatorUrl)).slice(before)).toEqual([])

    // The same size is fine for a file that is not a picture.
    const pdf = Buffer.concat([makePdf(), Buffer.alloc(MAX_IMAGE + 10)])
    expect((await post(owner, pdf, { name: 'big.pdf' })).statusCode).toBe(201)
  })

  it.each([
    ['HTML', '<!doctype html><html><script>alert(document.cookie)</script></html>'],
    ['SVG', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ['a script', '#!/usr/bin/env node\nrequire("child_process").exec("rm -rf /")\n'],
    [
      'an EXE',
      Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x40, 0, 0, 0]), Buffer.from('PE\0\0'), Buffer.alloc(300)]),
    ],
  ])('answers 415 for %s disguised as a JPEG', async (_label, content) => {
    const before = (await getRequests(t.emulatorUrl)).length
    const res = await post(owner, Buffer.from(content), { name: 'photo.jpg', type: 'image/jpeg' })
    expect(res.statusCode).toBe(415)
    expect(errorCode(res.body)).toBe('unsupported_type')
    expect((await getRequests(t.emulatorUrl)).slice(before)).toEqual([])
  })

  it.each([
    ['an MP3 frame sync', Buffer.from([0xff, 0xfb])],
    ['a RIFF/WAVE header', Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x40, 0, 0, 0]), Buffer.from('WAVE')])],
    ['an ftyp box', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\0\0isommp41')])],
  ])('answers 415 for a web page behind %s, before any DingTalk call', async (_label, magic) => {
    const before = (await getRequests(t.emulatorUrl)).length
    const polyglot = Buffer.concat([magic, Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>')])
    const res = await post(owner, polyglot, { name: 'clip.mp4', type: 'video/mp4' })
    expect(res.statusCode).toBe(415)
    expect(errorCode(res.body)).toBe('unsupported_type')
    expect((await getRequests(t.emulatorUrl)).slice(before)).toEqual([])
  })

  it.each([
    ['audio/mpeg', makeMp3()],
    ['audio/wav', makeWav()],
    ['video/mp4', makeIsoBmff('isom')],
  ])('still takes a real %s', async (mediaType, bytes) => {
    const res = await post(owner, bytes, { name: 'recording', type: 'application/octet-stream' })
    expect(res.statusCode, res.body).toBe(201)
    expect(ResourceResponseSchema.parse(res.json()).mediaType).toBe(mediaType)
  })

  it('answers 400 size_mismatch when the body is shorter or longer than Content-Length, and nothing is stored', async () => {
    const pdf = Buffer.concat([makePdf(), Buffer.alloc(200 * 1024, 7)])
    const short = await post(owner, Readable.from([pdf]), { length: String(pdf.length + 5000), name: 'short.pdf' })
    expect(short.statusCode).toBe(400)
    expect(errorCode(short.body)).toBe('size_mismatch')

    const long = await post(owner, Readable.from([pdf]), { length: String(pdf.length - 5000), name: 'long.pdf' })
    expect(long.statusCode).toBe(400)
    expect(errorCode(long.body)).toBe('size_mismatch')

    const state = await getState(t.emulatorUrl)
    const named = state.resources.filter((r) => r.resourceName === 'short.pdf' || r.resourceName === 'long.pdf')
    expect(named.every((r) => !r.uploaded)).toBe(true)
  })

  it('answers 404 for an unknown document and 403 for a reader', async () => {
    const png = await makePng(7)
    const missing = await t.inject({
      method: 'POST',
      url: '/api/documents/NoSuchDocument123/resources?name=a.png',
      headers: owner.headers,
      payload: png,
    })
    expect(missing.statusCode).toBe(404)
    expect(errorCode(missing.body)).toBe('document_not_found')

    const forbidden = await post(reader, png, { name: 'a.png' })
    expect(forbidden.statusCode).toBe(403)
    expect(errorCode(forbidden.body)).toBe('forbidden')
  })

  it('ignores identity parameters the browser adds: DingTalk always sees the session person', async () => {
    const png = await makePng(13)
    const res = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/resources?name=who.png&operatorId=${reader.user.unionId}&unionId=${reader.user.unionId}`,
      headers: { ...owner.headers, 'x-operator-id': reader.user.unionId },
      payload: png,
    })
    // The reader may not upload here; the owner may. 201 means the owner's unionId was used.
    expect(res.statusCode).toBe(201)
  })

  it('needs a session and the CSRF header', async () => {
    const png = await makePng(8)
    const anonymous = await t.inject({ method: 'POST', url: `/api/documents/${DOC}/resources`, payload: png })
    expect(anonymous.statusCode).toBe(401)
    expect(errorCode(anonymous.body)).toBe('unauthenticated')
    const noCsrf = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/resources`,
      headers: { cookie: owner.cookie },
      payload: png,
    })
    expect(noCsrf.statusCode).toBe(403)
    expect(errorCode(noCsrf.body)).toBe('csrf_failed')
  })

  it('answers 503 with Retry-After when the slot is refused mid-PUT of a large file, so the browser resends', async () => {
    await addFault(t.emulatorUrl, {
      path: '/__oss/',
      method: 'PUT',
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
      times: 1,
    })
    const pdf = Buffer.concat([makePdf('large'), Buffer.alloc(300 * 1024, 3)])
    const res = await post(owner, pdf, { name: 'large.pdf' })
    expect(res.statusCode).toBe(503)
    expect(errorCode(res.body)).toBe('dingtalk_unavailable')
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    // The resend works.
    expect((await post(owner, pdf, { name: 'large.pdf' })).statusCode).toBe(201)
  })

  it('replaces an expired slot and repeats the PUT itself when the whole file fit in the sniffed head', async () => {
    await addFault(t.emulatorUrl, {
      path: '/__oss/',
      method: 'PUT',
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
      times: 1,
    })
    const before = (await getRequests(t.emulatorUrl)).length
    const png = await makePng(9)
    const res = await post(owner, png, { name: 'small.png' })
    expect(res.statusCode).toBe(201)
    const calls = (await getRequests(t.emulatorUrl)).slice(before)
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.status)).toEqual([403, 200])
    expect(calls.filter((c) => c.path.includes('/uploadInfos/query'))).toHaveLength(2)
    const body = ResourceResponseSchema.parse(res.json())
    const bytes = Buffer.from(await (await fetch(new URL(body.resourceUrl, t.emulatorUrl))).arrayBuffer())
    expect(bytes.equals(png)).toBe(true)
  })

  it('answers 400 for a bad document id or an overlong name', async () => {
    const png = await makePng(10)
    const badId = await t.inject({ method: 'POST', url: '/api/documents/a.b/resources', headers: owner.headers, payload: png })
    expect(errorCode(badId.body)).toBe('invalid_request')
    const longName = await post(owner, png, { name: 'x'.repeat(2000) })
    expect(longName.statusCode).toBe(400)
    expect(errorCode(longName.body)).toBe('invalid_request')
  })
})

describe('upload rate limit', () => {
  it('answers 429 after UPLOAD_RATE_PER_MINUTE uploads by one person, not for others', async () => {
    const t = await createTestApp({ env: { UPLOAD_RATE_PER_MINUTE: '2' } })
    try {
      const owner = await t.signIn('zhangwei')
      const other = await t.signIn('lina')
      const png = await makePng(11)
      const send = (who: SignedIn) =>
        t.inject({ method: 'POST', url: `/api/documents/${DOC}/resources?name=a.png`, headers: who.headers, payload: png })
      expect((await send(owner)).statusCode).toBe(201)
      expect((await send(owner)).statusCode).toBe(201)
      const limited = await send(owner)
      expect(limited.statusCode).toBe(429)
      expect(errorCode(limited.body)).toBe('rate_limited')
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
      expect((await send(other)).statusCode).toBe(201)
      t.clock.advance(61_000)
      expect((await send(owner)).statusCode).toBe(201)
    } finally {
      await t.close()
    }
  })
})

describe('upload slot expiry seen before the PUT', () => {
  it('asks DingTalk for a fresh slot once instead of starting a PUT that would be refused', async () => {
    const t = await createTestApp()
    try {
      const owner = await t.signIn('zhangwei')
      // Our clock runs 20 minutes ahead of DingTalk's: every slot looks expired on arrival.
      t.clock.advance(20 * 60_000)
      const before = (await getRequests(t.emulatorUrl)).length
      const res = await t.inject({
        method: 'POST',
        url: `/api/documents/${DOC}/resources?name=a.png`,
        headers: owner.headers,
        payload: await makePng(12),
      })
      expect(res.statusCode, res.body).toBe(201)
      const calls = (await getRequests(t.emulatorUrl)).slice(before)
      // Asked again exactly once; the second slot is used even though it also looks expired
      // (then our clock is off, and OSS itself judges the URL).
      expect(calls.filter((c) => c.path.includes('/uploadInfos/query'))).toHaveLength(2)
      expect(calls.filter((c) => c.method === 'PUT').map((c) => c.status)).toEqual([200])
    } finally {
      await t.close()
    }
  })
})
