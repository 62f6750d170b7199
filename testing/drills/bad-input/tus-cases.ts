/**
 * Malformed and hostile resumable uploads (tus, docs/api.md "Resumable uploads"): creations for
 * documents one cannot add to (read-only, someone else's, missing), bodies that stop short (on
 * creation-with-upload and PATCH), a burst of creation-with-upload that tries to pass the upload
 * slots and the staged-bytes bound, broken tus headers and upload ids. `lowSpaceCases` are the
 * creations a server short of staging space must refuse with 503 `service_unavailable`.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RawResponse } from '@testing/drills/raw-http'
import { MAX_FILE_BYTES, PATH_IDS, type BatteryContext, type Case } from './values'

/** A document id no seed has: creations for it must answer 404 document_not_found. */
export const MISSING_DOC_ID = 'NoSuchDocument0drill0000000000000'
/** MAX_STAGED_BYTES_PER_PERSON for the drill: a few files' worth, so the burst below must pass it. */
export const DRILL_MAX_STAGED_BYTES = 4 * MAX_FILE_BYTES
const ID = '0123456789abcdef0123456789abcdef'
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const TUS: Array<[string, string]> = [['Tus-Resumable', '1.0.0']]
const OCTETS: [string, string] = ['Content-Type', 'application/offset+octet-stream']

/** The answer must be `status` with `code` (when it answered at all). */
const expects =
  (status: number, code: string) =>
  (res: RawResponse): string | null => {
    if (res.status !== status) return `expected ${status} ${code}, got ${res.status}`
    const body: unknown = JSON.parse(res.body.toString('utf8'))
    const got = typeof body === 'object' && body !== null && 'error' in body ? (body.error as { code?: unknown }).code : undefined
    return got === code ? null : `expected ${code}, got ${String(got)}`
  }

/** 201, or 429 rate_limited once the person's staged bytes or upload slots are used up. */
function createdOrLimited(res: RawResponse): string | null {
  return res.status === 201 ? null : expects(429, 'rate_limited')(res)
}

/** Resumable uploads: documents, bodies, bursts, headers, ids. */
export function tusCases(cases: Case[], ctx: BatteryContext): void {
  const uploads = (docId: string) => `/api/documents/${docId}/uploads`
  const creation = (name: string, docId: string, headers: Array<[string, string]>, extra: Partial<Case> = {}) =>
    cases.push({ name: `tus ${name}`, method: 'POST', target: uploads(docId), auth: 'session', headers: [...TUS, ...headers], ...extra })
  const length = (n: number | string): [string, string] => ['Upload-Length', String(n)]
  const withUpload = (bytes: number): Partial<Case> => ({ body: ctx.jpeg.subarray(0, bytes), halfClose: true, mayNotAnswer: true })

  // Documents one cannot add to: refused before anything is staged, as POST …/resources refuses.
  for (const [what, docId, status, code] of [
    ['read-only', ctx.readOnlyDocId, 403, 'forbidden'],
    ['missing', MISSING_DOC_ID, 404, 'document_not_found'],
  ] as const) {
    creation(`creation for a ${what} document`, docId, [length(5000)], { check: expects(status, code) })
    creation(
      `creation-with-upload for a ${what} document`,
      docId,
      [length(ctx.jpeg.length), OCTETS, ['Content-Length', String(ctx.jpeg.length)]],
      {
        body: ctx.jpeg,
        check: expects(status, code),
      },
    )
    creation(
      `cut creation-with-upload for a ${what} document`,
      docId,
      [length(ctx.jpeg.length), OCTETS, ['Content-Length', String(ctx.jpeg.length)]],
      withUpload(100),
    )
  }
  creation('creation for another document', ctx.otherDocId, [length(5000)])

  // Bodies that stop short: the bytes that came are kept, nothing answers 5xx.
  creation(
    'cut creation-with-upload',
    ctx.docId,
    [length(ctx.jpeg.length), OCTETS, ['Content-Length', String(ctx.jpeg.length)]],
    withUpload(200),
  )
  // A burst past MAX_STAGED_BYTES_PER_PERSON (the extras answer 429), and creation-with-upload cut
  // short, which holds an upload slot like any request with upload bytes.
  for (let i = 0; i < 8; i++) {
    creation(`burst creation #${i}`, ctx.docId, [length(MAX_FILE_BYTES)], { check: createdOrLimited })
  }
  for (let i = 0; i < 12; i++) {
    creation(
      `burst cut creation-with-upload #${i}`,
      ctx.docId,
      [length(MAX_FILE_BYTES), OCTETS, ['Content-Length', String(MAX_FILE_BYTES)]],
      withUpload(300),
    )
  }
  cases.push({
    name: 'tus cut PATCH of an unknown upload',
    method: 'PATCH',
    target: `${uploads(ctx.docId)}/${ID}`,
    auth: 'session',
    headers: [...TUS, OCTETS, ['Upload-Offset', '0'], ['Content-Length', '5000']],
    ...withUpload(100),
  })

  // Broken tus headers on creation.
  creation('no Tus-Resumable', ctx.docId, [['Tus-Resumable', ''], length(5000)])
  creation('Tus-Resumable 0.2.2', ctx.docId, [['Tus-Resumable', '0.2.2'], length(5000)])
  creation('no Upload-Length', ctx.docId, [], { check: expects(400, 'invalid_request') })
  creation('Upload-Defer-Length', ctx.docId, [['Upload-Defer-Length', '1']], { check: expects(400, 'invalid_request') })
  for (const value of ['-1', 'abc', '1e9', '1.5', ' 5', '99999999999999999999', '0x10', ''])
    creation(`Upload-Length ${JSON.stringify(value)}`, ctx.docId, [length(value)])
  creation('Upload-Length 0', ctx.docId, [length(0)], { check: expects(415, 'unsupported_type') })
  creation('Upload-Length over MAX_FILE_BYTES', ctx.docId, [length(MAX_FILE_BYTES + 1)], { check: expects(413, 'file_too_large') })
  creation('two Upload-Lengths', ctx.docId, [length(5000), length(6000)])
  for (const metadata of [
    'filename',
    'filename !!!',
    `filename ${b64('a.jpg')},filename ${b64('b.jpg')}`,
    `sha256 ${b64('not-a-digest')}`,
    `sha256 ${b64('A'.repeat(64))}`,
    `doc-attach-owner ${b64('someone-else')},doc-attach-doc ${b64(ctx.otherDocId)}`,
    `filename ${b64('x'.repeat(5000))}`,
    `filename ${b64('../../etc/passwd')},filetype ${b64('text/html')}`,
    ',,,',
    `${'k'.repeat(300)} ${b64('v')}`,
  ]) {
    creation(`Upload-Metadata ${JSON.stringify(metadata.slice(0, 30))}`, ctx.docId, [length(5000), ['Upload-Metadata', metadata]])
  }

  // Upload ids and methods of …/uploads/:uploadId.
  for (const id of [...PATH_IDS.slice(0, 12), ID, ID.toUpperCase(), `${ID}.json`, `${ID}/..`]) {
    const target = Buffer.concat([Buffer.from(`${uploads(ctx.docId)}/`), typeof id === 'string' ? Buffer.from(id) : id])
    for (const method of ['HEAD', 'PATCH', 'DELETE', 'GET']) {
      cases.push({
        name: `tus ${method} upload id ${JSON.stringify(String(id).slice(0, 20))}`,
        method,
        target: method === 'GET' ? Buffer.concat([target, Buffer.from('/resource')]) : target,
        auth: 'session',
        headers: method === 'PATCH' ? [...TUS, OCTETS, ['Upload-Offset', '0']] : TUS,
        body: method === 'PATCH' ? Buffer.from('x') : undefined,
      })
    }
  }
  for (const offset of ['-1', 'abc', '99999999999999999999', '']) {
    cases.push({
      name: `tus PATCH Upload-Offset ${JSON.stringify(offset)}`,
      method: 'PATCH',
      target: `${uploads(ctx.docId)}/${ID}`,
      auth: 'session',
      headers: [...TUS, OCTETS, ['Upload-Offset', offset]],
      body: Buffer.from('x'),
    })
  }
  for (const method of ['PUT', 'OPTIONS', 'GET']) {
    cases.push({ name: `tus ${method} on the creation route`, method, target: uploads(ctx.docId), auth: 'session', headers: TUS })
  }
}

/** Creations a server short of staging space (below MIN_STAGING_FREE_BYTES) answers 503, storing nothing. */
export function lowSpaceCases(ctx: BatteryContext): Case[] {
  const unavailable = expects(503, 'service_unavailable')
  const target = `/api/documents/${ctx.docId}/uploads`
  return [
    {
      name: 'tus creation, staging short of space',
      method: 'POST',
      target,
      auth: 'session',
      headers: [...TUS, ['Upload-Length', '5000']],
      expectedStatus: 503,
      check: unavailable,
    },
    {
      name: 'tus creation-with-upload, staging short of space',
      method: 'POST',
      target,
      auth: 'session',
      headers: [...TUS, ['Upload-Length', String(ctx.jpeg.length)], OCTETS],
      body: ctx.jpeg,
      expectedStatus: 503,
      check: unavailable,
    },
  ]
}

/**
 * What must not be staged after the battery: an upload for a document the person cannot add to,
 * or more bytes for one person than MAX_STAGED_BYTES_PER_PERSON. Reads the staged uploads' records
 * (`<id>.json` of @tus/file-store) in `stagingDir`.
 */
export async function stagedProblems(stagingDir: string, editableDocIds: ReadonlySet<string>, maxBytes: number): Promise<string[]> {
  const problems: string[] = []
  const perPerson = new Map<string, number>()
  for (const file of (await readdir(stagingDir)).filter((f) => f.endsWith('.json'))) {
    const record = JSON.parse(await readFile(join(stagingDir, file), 'utf8')) as { size?: number; metadata?: Record<string, string> }
    const docId = record.metadata?.['doc-attach-doc'] ?? ''
    const owner = record.metadata?.['doc-attach-owner'] ?? ''
    if (!editableDocIds.has(docId)) problems.push(`staged ${file} for document ${docId}, which its owner cannot add to`)
    perPerson.set(owner, (perPerson.get(owner) ?? 0) + (record.size ?? 0))
  }
  for (const [owner, bytes] of perPerson) if (bytes > maxBytes) problems.push(`${owner} has ${bytes} bytes staged, over ${maxBytes}`)
  return problems
}
