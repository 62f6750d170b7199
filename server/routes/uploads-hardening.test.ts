/**
 * The resumable routes hardened like the single-request route (docs/api.md "Resumable uploads"):
 * stalled bodies get 408 and keep their bytes, creation-with-upload holds an upload slot, a
 * creation for a document one cannot add to stores nothing, staged bytes are bounded per person,
 * a staging directory that is short of space or missing answers 503 and recovers, and no answer
 * allows other origins.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorBodySchema } from '@contract/api'
import { SEED } from '../emulator/seed'
import { StagingFileStore } from '../services/upload/staging'
import { createLocalStore } from '../store/local'
import { createTestApp, type SignedIn, type TestApp } from '@testing/test-app'
import { EmulatorControl } from '@testing/emulator-control'
import { makePdf } from '@testing/sample-files'
import { rawRequest, type RawResponse } from '@testing/drills/raw-http'

const DOC = SEED.docs.sitePhotos.docId
const TUS = { 'tus-resumable': '1.0.0' }
let t: TestApp | undefined
let staging = ''

afterEach(async () => {
  await t?.close()
  t = undefined
  if (staging) await rm(staging, { recursive: true, force: true })
  staging = ''
})

async function start(opts: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  staging = await mkdtemp(join(tmpdir(), 'doc-attach-tus-hard-'))
  t = await createTestApp({ ...opts, env: { UPLOAD_STAGING_DIR: staging, ...opts.env } })
  return t
}

async function listening(app: TestApp): Promise<string> {
  return app.app.listen({ port: 0, host: '127.0.0.1' })
}

/** One tus request over a raw socket (its body may stop short); resolves to the answer once the server closes. */
function send(base: string, method: string, path: string, who: SignedIn, headers: Record<string, string>, body: Buffer) {
  const lines = Object.entries({ ...TUS, cookie: who.cookie, 'x-csrf-token': who.csrfToken, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`)
  const head = `${method} ${path} HTTP/1.1\r\nHost: ${new URL(base).host}\r\n${lines.join('')}\r\n`
  return rawRequest(base, Buffer.concat([Buffer.from(head), body]))
}

/** A creation-with-upload of `length` bytes whose body stops after `body`. */
const stalledCreation = (base: string, who: SignedIn, length: number, body: Buffer) =>
  send(
    base,
    'POST',
    `/api/documents/${DOC}/uploads`,
    who,
    { 'upload-length': String(length), 'content-type': 'application/offset+octet-stream', 'content-length': String(length) },
    body,
  )

function errorOf(res: RawResponse | null): { status: number; code: string; headers: Record<string, string> } {
  if (!res) throw new Error('closed without an answer')
  return { status: res.status, code: ErrorBodySchema.parse(JSON.parse(res.body.toString('utf8'))).error.code, headers: res.headers }
}

const create = (app: TestApp, who: SignedIn, length: number, docId = DOC) =>
  app.inject({
    method: 'POST',
    url: `/api/documents/${docId}/uploads`,
    headers: { ...who.headers, ...TUS, 'upload-length': String(length) },
  })

const head = (app: TestApp, who: SignedIn, path: string) => app.inject({ method: 'HEAD', url: path, headers: { ...who.headers, ...TUS } })

describe('stalled tus bodies', () => {
  it('answers a PATCH whose bytes stop 408 request_timeout and keeps what arrived, so the upload resumes', async () => {
    const app = await start({ timeouts: { bodyIdleMs: 300 } })
    const owner = await app.signIn('zhangwei')
    const base = await listening(app)
    const created = await create(app, owner, 100_000)
    expect(created.statusCode).toBe(201)
    const path = new URL(String(created.headers.location)).pathname
    const sent = Buffer.concat([makePdf(), Buffer.alloc(20_000, 0x20)])
    const headers = { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': '100000' }
    const got = errorOf(await send(base, 'PATCH', path, owner, headers, sent))
    expect(got.status).toBe(408)
    expect(got.code).toBe('request_timeout')
    expect(got.headers['access-control-allow-origin']).toBeUndefined()
    let offset = 0
    for (let i = 0; i < 100 && offset < sent.length; i++) {
      offset = Number((await head(app, owner, path)).headers['upload-offset'])
      if (offset < sent.length) await new Promise((r) => setTimeout(r, 20))
    }
    expect(offset).toBe(sent.length)
  })

  it('answers a creation-with-upload whose bytes stop 408 request_timeout, and the upload it made resumes', async () => {
    const app = await start({ timeouts: { bodyIdleMs: 300 } })
    const owner = await app.signIn('zhangwei')
    const base = await listening(app)
    const sent = makePdf()
    const got = errorOf(await stalledCreation(base, owner, 50_000, sent))
    expect(got.status).toBe(408)
    expect(got.code).toBe('request_timeout')
    const ids = (await readdir(staging)).filter((f) => /^[0-9a-f]{32}$/.test(f))
    expect(ids).toHaveLength(1)
    const resumed = await head(app, owner, `/api/documents/${DOC}/uploads/${ids[0]}`)
    expect(resumed.statusCode).toBe(200)
    expect(Number(resumed.headers['upload-offset'])).toBe(sent.length)
  })
})

describe('upload slots', () => {
  it('holds a slot for every creation-with-upload: twelve at once from one person, the extras get 429 with Retry-After', async () => {
    // The held ones end with 408 once their bodies have been idle this long; the refused answer at once.
    const app = await start({ timeouts: { bodyIdleMs: 2000 } })
    const owner = await app.signIn('zhangwei')
    const base = await listening(app)
    const max = app.config.limits.concurrentUploadsPerUser
    const answers = (await Promise.all(Array.from({ length: 12 }, () => stalledCreation(base, owner, 50_000, makePdf())))).map(errorOf)
    const refused = answers.filter((a) => a.status === 429)
    expect(refused).toHaveLength(12 - max)
    for (const a of refused) {
      expect(a.code).toBe('rate_limited')
      expect(a.headers['retry-after']).toMatch(/^\d+$/)
    }
    expect(answers.filter((a) => a.status === 408)).toHaveLength(max)
  })
})

describe('creation for a document one cannot add to', () => {
  it('answers as POST …/resources does (403 forbidden, 404 document_not_found) before storing anything', async () => {
    const app = await start()
    const owner = await app.signIn('zhangwei')
    const cases: Array<[string, string, number, string]> = [
      ['read-only', SEED.docs.brandGuide.docId, 403, 'forbidden'],
      ['not visible', SEED.docs.salaryPlan.docId, 403, 'forbidden'],
      ['missing', 'NoSuchDocument0000000000000000000', 404, 'document_not_found'],
    ]
    for (const [what, docId, status, code] of cases) {
      const viaResources = await app.inject({
        method: 'POST',
        url: `/api/documents/${docId}/resources?name=a.pdf`,
        headers: { ...owner.headers, 'content-type': 'application/pdf' },
        payload: makePdf(),
      })
      expect([what, viaResources.statusCode, viaResources.json().error.code]).toEqual([what, status, code])
      const viaTus = await app.inject({
        method: 'POST',
        url: `/api/documents/${docId}/uploads`,
        headers: { ...owner.headers, ...TUS, 'upload-length': '5000', 'content-type': 'application/offset+octet-stream' },
        payload: makePdf(),
      })
      expect([what, viaTus.statusCode, viaTus.json().error.code]).toEqual([what, status, code])
    }
    expect(await readdir(staging)).toEqual([])
  })

  it('asks DingTalk once for a resumed upload, not once per PATCH', async () => {
    const app = await start()
    const owner = await app.signIn('zhangwei')
    const control = new EmulatorControl(app.emulatorUrl)
    const bytes = Buffer.concat([makePdf(), Buffer.alloc(3000, 0x20)])
    const created = await create(app, owner, bytes.length)
    const path = new URL(String(created.headers.location)).pathname
    for (let offset = 0; offset < 3000; offset += 1000) {
      const patch = await app.inject({
        method: 'PATCH',
        url: path,
        headers: { ...owner.headers, ...TUS, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
        payload: bytes.subarray(offset, offset + 1000),
      })
      expect(patch.statusCode).toBe(204)
    }
    const nodeLookups = (await control.requests()).filter((r) => r.path.startsWith(`/v2.0/wiki/nodes/${DOC}`))
    expect(nodeLookups).toHaveLength(1)
  })
})

describe('staged bytes per person', () => {
  it('refuses a creation beyond MAX_STAGED_BYTES_PER_PERSON with 429 saying why, and frees the bytes of a terminated upload', async () => {
    const app = await start({ env: { MAX_STAGED_BYTES_PER_PERSON: '100000' } })
    const owner = await app.signIn('zhangwei')
    const other = await app.signIn('lina')
    const first = await create(app, owner, 60_000)
    expect(first.statusCode).toBe(201)
    const over = await create(app, owner, 60_000)
    expect(over.statusCode).toBe(429)
    expect(over.json().error.code).toBe('rate_limited')
    expect(over.json().error.message).toMatch(/MAX_STAGED_BYTES_PER_PERSON/)
    expect(over.headers['retry-after']).toMatch(/^\d+$/)
    // Someone else's staging is their own.
    expect((await create(app, other, 60_000)).statusCode).toBe(201)
    expect((await readdir(staging)).filter((f) => !f.endsWith('.json'))).toHaveLength(2)
    const path = new URL(String(first.headers.location)).pathname
    expect((await app.inject({ method: 'DELETE', url: path, headers: { ...owner.headers, ...TUS } })).statusCode).toBe(204)
    expect((await create(app, owner, 60_000)).statusCode).toBe(201)
  })
})

describe('staged bytes across replicas', () => {
  it('counts what one person stages through every replica sharing the store', async () => {
    const store = createLocalStore()
    const replicaA = await start({ store, env: { MAX_STAGED_BYTES_PER_PERSON: '100000' } })
    const replicaB = await createTestApp({ store, env: { UPLOAD_STAGING_DIR: staging, MAX_STAGED_BYTES_PER_PERSON: '100000' } })
    try {
      expect((await create(replicaA, await replicaA.signIn('zhangwei'), 60_000)).statusCode).toBe(201)
      const viaB = await create(replicaB, await replicaB.signIn('zhangwei'), 60_000)
      expect(viaB.statusCode).toBe(429)
      expect(viaB.json().error.code).toBe('rate_limited')
    } finally {
      await replicaB.close()
    }
  })
})

describe('staging directory', () => {
  it('answers new creations 503 when free space is below MIN_STAGING_FREE_BYTES, and stores nothing', async () => {
    const app = await start({ resumable: { statfs: async () => ({ bavail: 10, bsize: 4096 }) } })
    const owner = await app.signIn('zhangwei')
    const res = await create(app, owner, 5000)
    expect(res.statusCode).toBe(503)
    expect(res.json().error.code).toBe('service_unavailable')
    expect(res.headers['retry-after']).toMatch(/^\d+$/)
    expect(await readdir(staging)).toEqual([])
  })

  it('answers 503 with one log line while the directory is missing, and works again once it is back', async () => {
    const app = await start()
    const owner = await app.signIn('zhangwei')
    const created = await create(app, owner, 5000)
    const path = new URL(String(created.headers.location)).pathname
    await rm(staging, { recursive: true, force: true })

    for (let i = 0; i < 3; i++) {
      const refused = await create(app, owner, 5000)
      expect(refused.statusCode).toBe(503)
      expect(refused.json().error.code).toBe('service_unavailable')
    }
    expect((await head(app, owner, path)).statusCode).toBe(503)
    expect(existsSync(staging)).toBe(false)
    expect(app.logs.filter((l) => l.includes('staging directory is missing'))).toHaveLength(1)

    mkdirSync(staging)
    expect((await create(app, owner, 5000)).statusCode).toBe(201)
    expect(app.logs.filter((l) => l.includes('usable again'))).toHaveLength(1)
  })

  it('never runs the file store’s own unawaited mkdir (it throws uncaught when the directory is gone)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'doc-attach-tus-store-'))
    try {
      // Under a plain file, mkdir fails (ENOTDIR); FileStore would throw that from a callback.
      writeFileSync(join(dir, 'file'), '')
      const store = new StagingFileStore({ directory: join(dir, 'file', 'uploads') })
      const elsewhere = new StagingFileStore({ directory: join(dir, 'later') })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(store.directory).toBe(join(dir, 'file', 'uploads'))
      expect(existsSync(elsewhere.directory)).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('CORS', () => {
  it('sends no Access-Control-Allow-Origin on tus answers (the H5 is same-origin)', async () => {
    const app = await start()
    const owner = await app.signIn('zhangwei')
    const created = await app.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/uploads`,
      headers: { ...owner.headers, ...TUS, 'upload-length': '5000' },
    })
    expect(created.statusCode).toBe(201)
    const path = new URL(String(created.headers.location)).pathname
    const answers = [created, await head(app, owner, path)]
    for (const a of answers) expect(Object.keys(a.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
  })
})
