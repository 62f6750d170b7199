import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Upload } from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBodySchema, ResourceResponseSchema, type ResourceResponse } from '@contract/api'
import { SEED } from '../emulator/seed'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'
import { EmulatorControl } from '../../testing/emulator-control'
import { makePdf } from '../../testing/sample-files'
import { uploadLockWaitSeconds } from '../metrics/registry'

const DOC = SEED.docs.sitePhotos.docId
const MAX_FILE = 2 * 1024 * 1024

/** A real PDF padded to `size` bytes with random content (sniffed as PDF, unique per call). */
function pdfOfSize(size: number): Buffer {
  const head = makePdf()
  return Buffer.concat([head, randomBytes(size - head.length)])
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** How many upload-lock waits `/metrics` has counted so far. */
async function lockWaits(): Promise<number> {
  const { values } = await uploadLockWaitSeconds.get()
  return values.find((v) => v.metricName === 'doc_attach_upload_lock_wait_seconds_count')?.value ?? 0
}

function errorCode(body: string): string {
  return ErrorBodySchema.parse(JSON.parse(body)).error.code
}

async function listening(t: TestApp): Promise<string> {
  return t.app.listen({ port: 0, host: '127.0.0.1' })
}

/** Uploads `bytes` with tus-js-client, the standard tus client; resolves to the upload URL. */
function tusUpload(
  base: string,
  who: SignedIn,
  bytes: Buffer,
  opts: { name?: string; type?: string; sha?: string; uploadUrl?: string; onPatch?: (offset: number) => void } = {},
): { done: Promise<string>; upload: Upload } {
  let upload!: Upload
  const done = new Promise<string>((resolve, reject) => {
    upload = new Upload(bytes, {
      endpoint: `${base}/api/documents/${DOC}/uploads`,
      uploadUrl: opts.uploadUrl ?? null,
      headers: who.headers,
      chunkSize: 256 * 1024,
      retryDelays: [],
      metadata: {
        filename: opts.name ?? 'report.pdf',
        filetype: opts.type ?? 'application/pdf',
        ...(opts.sha ? { sha256: opts.sha } : {}),
      },
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') opts.onPatch?.(Number(req.getHeader('Upload-Offset')))
      },
      onSuccess: () => resolve(upload.url ?? ''),
      onError: reject,
    })
    upload.start()
  })
  return { done, upload }
}

/** Polls `GET …/uploads/:id/resource` until it is no longer 202. */
async function resourceOf(t: TestApp, who: SignedIn, uploadUrl: string): Promise<{ status: number; body: string }> {
  const id = uploadUrl.split('/').pop() ?? ''
  for (;;) {
    const res = await t.inject({ method: 'GET', url: `/api/documents/${DOC}/uploads/${id}/resource`, headers: who.headers })
    if (res.statusCode !== 202) return { status: res.statusCode, body: res.body }
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function head(t: TestApp, who: SignedIn, uploadUrl: string) {
  return t.inject({ method: 'HEAD', url: new URL(uploadUrl).pathname, headers: { ...who.headers, 'tus-resumable': '1.0.0' } })
}

describe('resumable uploads (tus 1.0)', () => {
  let t: TestApp
  let base: string
  let staging: string
  let owner: SignedIn
  let other: SignedIn

  beforeAll(async () => {
    staging = await mkdtemp(join(tmpdir(), 'doc-attach-staging-'))
    t = await createTestApp({ env: { MAX_FILE_BYTES: String(MAX_FILE), UPLOAD_STAGING_DIR: staging } })
    base = await listening(t)
    owner = await t.signIn('zhangwei')
    other = await t.signIn('lina')
  })
  afterAll(async () => {
    await t.close()
    await rm(staging, { recursive: true, force: true })
  })

  it('takes a file from tus-js-client and answers exactly what POST …/resources answers', async () => {
    const bytes = pdfOfSize(700 * 1024)
    const lockWaitsBefore = await lockWaits()
    const url = await tusUpload(base, owner, bytes, { name: '巡检 报告.pdf', sha: sha256(bytes) }).done
    // Operators see each tus request's wait for its upload lock (creation has none; HEAD/PATCH do).
    expect(await lockWaits()).toBeGreaterThan(lockWaitsBefore)
    expect(url).toMatch(new RegExp(`^${base}/api/documents/${DOC}/uploads/[0-9a-f]{32}$`))

    const { status, body } = await resourceOf(t, owner, url)
    expect(status).toBe(200)
    const resource: ResourceResponse = ResourceResponseSchema.parse(JSON.parse(body))
    expect(Object.keys(JSON.parse(body)).sort()).toEqual(
      ['duplicateOf', 'evidence', 'kind', 'mediaType', 'name', 'resourceId', 'resourceToken', 'resourceUrl', 'size'].sort(),
    )
    expect(resource).toMatchObject({ name: '巡检 报告.pdf', mediaType: 'application/pdf', size: bytes.length, kind: 'file' })
    const stored = Buffer.from(await (await fetch(new URL(resource.resourceUrl, t.emulatorUrl))).arrayBuffer())
    expect(stored.equals(bytes)).toBe(true)
    // The staged copy is gone once DingTalk has the file; a resuming client still learns it is complete.
    expect((await readdir(staging)).filter((f) => url.endsWith(f))).toEqual([])
    const after = await head(t, owner, url)
    expect(after.headers['upload-offset']).toBe(String(bytes.length))
  })

  it('resumes from the last byte received after the connection is cut mid-PATCH', async () => {
    const bytes = pdfOfSize(1024 * 1024)
    const created = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/uploads`,
      headers: {
        ...owner.headers,
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${b64('cut.pdf')},filetype ${b64('application/pdf')}`,
      },
    })
    expect(created.statusCode).toBe(201)
    // Injected requests have no real host; the same path on the listening server.
    const location = `${base}${new URL(String(created.headers.location)).pathname}`

    // Send 40 % of the file in one PATCH, then cut the connection.
    const cutAt = Math.floor(bytes.length * 0.4)
    await new Promise<void>((resolve) => {
      const req = httpRequest(location, {
        method: 'PATCH',
        headers: {
          ...owner.headers,
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
          'content-length': String(bytes.length),
        },
      })
      req.on('error', () => resolve())
      req.write(bytes.subarray(0, cutAt), () => setTimeout(() => req.destroy(), 100))
      req.on('close', () => resolve())
    })
    let offset = 0
    for (let i = 0; i < 100 && offset === 0; i++) {
      offset = Number((await head(t, owner, location)).headers['upload-offset'])
      if (offset === 0) await new Promise((r) => setTimeout(r, 20))
    }
    expect(offset).toBeGreaterThan(0)
    expect(offset).toBeLessThanOrEqual(cutAt)
    expect((await resourceOf(t, owner, location)).status).toBe(409)

    // tus-js-client picks up at the server's offset: it sends only the rest.
    const patchedFrom: number[] = []
    await tusUpload(base, owner, bytes, { uploadUrl: location, onPatch: (from) => patchedFrom.push(from) }).done
    expect(patchedFrom[0]).toBe(offset)
    const { status, body } = await resourceOf(t, owner, location)
    expect(status).toBe(200)
    const resource = ResourceResponseSchema.parse(JSON.parse(body))
    const stored = Buffer.from(await (await fetch(new URL(resource.resourceUrl, t.emulatorUrl))).arrayBuffer())
    expect(stored.equals(bytes)).toBe(true)
  })

  it("refuses someone else's upload with 404 and leaves it unchanged", async () => {
    const created = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/uploads`,
      headers: { ...owner.headers, 'tus-resumable': '1.0.0', 'upload-length': '50000' },
    })
    const url = String(created.headers.location)
    const path = new URL(url).pathname
    const first = await t.inject({
      method: 'PATCH',
      url: path,
      headers: { ...owner.headers, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      payload: makePdf(),
    })
    expect(first.statusCode).toBe(204)
    const before = first.headers['upload-offset']

    const tusHeaders = { ...other.headers, 'tus-resumable': '1.0.0' }
    expect((await head(t, other, url)).statusCode).toBe(404)
    const patch = await t.inject({
      method: 'PATCH',
      url: path,
      headers: { ...tusHeaders, 'upload-offset': String(before), 'content-type': 'application/offset+octet-stream' },
      payload: Buffer.alloc(10),
    })
    expect(patch.statusCode).toBe(404)
    expect(errorCode(patch.body)).toBe('not_found')
    expect((await t.inject({ method: 'DELETE', url: path, headers: tusHeaders })).statusCode).toBe(404)
    expect((await t.inject({ method: 'GET', url: `${path}/resource`, headers: other.headers })).statusCode).toBe(404)
    // The owner, under another document id, does not reach it either.
    const elsewhere = path.replace(DOC, SEED.docs.weeklyReport.docId)
    expect((await t.inject({ method: 'HEAD', url: elsewhere, headers: { ...owner.headers, 'tus-resumable': '1.0.0' } })).statusCode).toBe(
      404,
    )

    const after = await head(t, owner, url)
    expect(after.statusCode).toBe(200)
    expect(after.headers['upload-offset']).toBe(before)
    // The owner's metadata comes back as sent, without what the server keeps about the owner.
    expect(String(after.headers['upload-metadata'])).not.toMatch(/doc-attach/)

    const terminated = await t.inject({ method: 'DELETE', url: path, headers: { ...owner.headers, 'tus-resumable': '1.0.0' } })
    expect(terminated.statusCode).toBe(204)
    expect((await head(t, owner, url)).statusCode).toBe(404)
  })

  it('answers 413 file_too_large at creation, before any byte, and needs the CSRF token', async () => {
    const tooBig = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/uploads`,
      headers: { ...owner.headers, 'tus-resumable': '1.0.0', 'upload-length': String(MAX_FILE + 1) },
    })
    expect(tooBig.statusCode).toBe(413)
    expect(errorCode(tooBig.body)).toBe('file_too_large')
    expect(tooBig.headers.location).toBeUndefined()

    const noCsrf = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/uploads`,
      headers: { cookie: owner.cookie, 'tus-resumable': '1.0.0', 'upload-length': '100' },
    })
    expect(noCsrf.statusCode).toBe(403)
    expect(errorCode(noCsrf.body)).toBe('csrf_failed')
    const noSession = await t.inject({ method: 'POST', url: `/api/documents/${DOC}/uploads`, headers: { 'tus-resumable': '1.0.0' } })
    expect(noSession.statusCode).toBe(401)
  })

  it('answers 400 checksum_mismatch when the bytes differ from the sha256 sent, and DingTalk keeps nothing', async () => {
    const bytes = pdfOfSize(300 * 1024)
    const wrong = sha256(Buffer.from('something else'))
    const url = await tusUpload(base, owner, bytes, { name: 'tampered.pdf', sha: wrong }).done
    const { status, body } = await resourceOf(t, owner, url)
    expect(status).toBe(400)
    expect(errorCode(body)).toBe('checksum_mismatch')
    const resources = (await new EmulatorControl(t.emulatorUrl).state()).resources.filter((r) => r.resourceName === 'tampered.pdf')
    expect(resources.every((r) => !r.uploaded)).toBe(true)
  })

  it('answers 415 for a type that is never accepted, as POST …/resources does', async () => {
    const html = Buffer.from(`<!doctype html><html><body>${'x'.repeat(4000)}</body></html>`)
    const url = await tusUpload(base, owner, html, { name: 'page.pdf', type: 'application/pdf' }).done
    const { status, body } = await resourceOf(t, owner, url)
    expect(status).toBe(415)
    expect(errorCode(body)).toBe('unsupported_type')
  })
})

describe('resumable upload expiry', () => {
  it('removes a partial upload once it expires', async () => {
    const staging = await mkdtemp(join(tmpdir(), 'doc-attach-expiry-'))
    const t = await createTestApp({ env: { UPLOAD_STAGING_DIR: staging, UPLOAD_EXPIRY_SECONDS: '1' } })
    try {
      const owner = await t.signIn('zhangwei')
      const created = await t.inject({
        method: 'POST',
        url: `/api/documents/${DOC}/uploads`,
        headers: { ...owner.headers, 'tus-resumable': '1.0.0', 'upload-length': '5000' },
      })
      expect(created.statusCode).toBe(201)
      expect(created.headers['upload-expires']).toBeDefined()
      const id = String(created.headers.location).split('/').pop() ?? ''
      expect(await readdir(staging)).toContain(id)
      // The periodic sweep removes it (the bytes and the record) once it is past its expiry.
      for (let i = 0; i < 100 && (await readdir(staging)).some((f) => f.startsWith(id)); i++) {
        await new Promise((r) => setTimeout(r, 100))
      }
      expect((await readdir(staging)).filter((f) => f.startsWith(id))).toEqual([])
      const gone = await t.inject({
        method: 'HEAD',
        url: new URL(String(created.headers.location)).pathname,
        headers: { ...owner.headers, 'tus-resumable': '1.0.0' },
      })
      expect(gone.statusCode).toBe(404)
    } finally {
      await t.close()
      await rm(staging, { recursive: true, force: true })
    }
  })
})
