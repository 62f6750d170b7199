/**
 * Drill (npm run test:replicas): resumable uploads and duplicates with two replicas sharing one
 * Redis and one UPLOAD_STAGING_DIR behind Debian's nginx (docs/operations.md#running-several-replicas). A
 * phone's connection dies mid-PATCH without the replica noticing (half-open); tus-js-client
 * resumes through nginx, so other replicas serve the rest while the stuck request still holds the
 * upload; the finished file reaches DingTalk once and every replica answers the poll; and content
 * inserted through one replica is flagged as a duplicate by another.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Upload } from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTENT_SHA256_HEADER, ResourceResponseSchema } from '@contract/api'
import { ApiClient } from '@testing/drills/api-client'
import { startReplicaCluster, type ReplicaCluster } from '@testing/drills/replica-cluster'
import { editablePairs, getState, type EditorAndDoc } from '@testing/emulator-control'
import { httpRequest, parseJson } from '@testing/http'
import { makePdf, makePhotos } from '@testing/sample-files'

const UPLOAD_ROUTE = '/api/documents/:docId/uploads/:uploadId'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

let cluster: ReplicaCluster
let staging: string
let client: ApiClient
let target: EditorAndDoc
/** Every status tus-js-client saw, to check that nobody met a 5xx other than the documented 503. */
const tusStatuses: number[] = []

beforeAll(async () => {
  staging = mkdtempSync(join(tmpdir(), 'doc-attach-shared-staging-'))
  cluster = await startReplicaCluster({ replicas: 2, env: { UPLOAD_STAGING_DIR: staging, METRICS_PORT: '0' } })
  const pair = editablePairs(await getState(cluster.emulatorUrl))[0]
  if (!pair) throw new Error('the emulator seed has no editable document')
  target = pair
  client = new ApiClient(cluster.url)
  await client.signIn(target.userId)
})

afterAll(async () => {
  client?.close()
  await cluster?.close()
  if (staging) rmSync(staging, { recursive: true, force: true })
})

function authHeaders(): Record<string, string> {
  return { cookie: client.cookieHeader(), 'x-csrf-token': client.csrfToken }
}

/** How many HEAD/PATCH answers replica `i` gave on the upload route (its own /metrics). */
async function uploadRequestsServedBy(i: number): Promise<number> {
  const metricsUrl = cluster.replicas[i]?.metricsUrl
  if (!metricsUrl) throw new Error(`replica ${i} has no metrics listener`)
  const text = (await httpRequest(metricsUrl)).body.toString()
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith('doc_attach_http_request_duration_seconds_count{')) continue
    if (!line.includes(`route="${UPLOAD_ROUTE}"`) || !/method="(HEAD|PATCH)"/.test(line)) continue
    total += Number(line.split(' ').pop())
  }
  return total
}

/**
 * Starts a PATCH of `bytes` at offset 0 straight to `baseUrl`, sends `sent` bytes, then goes silent
 * with the connection open. `ended` resolves with the status the server answered (0: it closed the
 * connection without an answer).
 */
function stalledPatch(baseUrl: string, location: string, bytes: Buffer, sent: number): { req: http.ClientRequest; ended: Promise<number> } {
  const req = http.request(`${baseUrl}${new URL(location).pathname}`, {
    method: 'PATCH',
    headers: {
      ...authHeaders(),
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
      'content-length': String(bytes.length),
    },
  })
  const ended = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', () => resolve(0))
    req.on('close', () => resolve(0))
  })
  req.write(bytes.subarray(0, sent))
  return { req, ended }
}

/** Resumes the upload at `uploadUrl` with tus-js-client through nginx; resolves once every byte is in. */
function resumeWithTusClient(uploadUrl: string, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(bytes, {
      endpoint: `${cluster.url}/api/documents/${target.docId}/uploads`,
      uploadUrl,
      headers: authHeaders(),
      // Several PATCHes, so round robin spreads them over both replicas.
      chunkSize: 256 * 1024,
      // Retries 5xx like the H5 does; a holder that never let go would exhaust them.
      retryDelays: [250, 500, 1000, 2000],
      onAfterResponse: (_req, res) => {
        tusStatuses.push(res.getStatus())
      },
      onSuccess: () => resolve(),
      onError: reject,
    })
    upload.start()
  })
}

/** Polls `GET …/uploads/:id/resource` through nginx until it is no longer 202. */
async function finishedResource(uploadId: string) {
  const path = `/api/documents/${target.docId}/uploads/${uploadId}/resource`
  for (let i = 0; i < 600; i++) {
    const res = await client.request('GET', path)
    if (res.status !== 202) return res
    await sleep(50)
  }
  throw new Error('the upload stayed "processing"')
}

describe('drill: resumable uploads and duplicates across two replicas, one Redis, one staging dir', () => {
  it('resumes on other replicas after a connection died mid-PATCH; DingTalk gets the file once; every replica answers the poll', async () => {
    const bytes = Buffer.concat([makePdf('Inspection'), randomBytes(2 * 1024 * 1024)])
    const name = `inspection-${randomBytes(4).toString('hex')}.pdf`
    const created = await client.request('POST', `/api/documents/${target.docId}/uploads`, {
      headers: {
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${b64(name)},filetype ${b64('application/pdf')}`,
      },
    })
    expect(created.status).toBe(201)
    const location = String(created.headers.location)
    const uploadId = location.split('/').pop() ?? ''

    // The phone's connection to replica 0 dies after 40 %: replica 0 never hears of it and keeps
    // the request (and the upload's lock) open.
    const cutAt = Math.floor(bytes.length * 0.4)
    const stalled = stalledPatch(cluster.replicas[0]!.url, location, bytes, cutAt)
    while (statSync(join(staging, uploadId)).size < cutAt) await sleep(20)

    // Back online, the phone asks replica 1 where to continue. Replica 1 must wait for the upload's
    // lock, held on replica 0, whose stuck request is asked to let go (long before its 60 s idle timeout).
    const head = await httpRequest(`${cluster.replicas[1]!.url}${new URL(location).pathname}`, {
      method: 'HEAD',
      headers: { ...authHeaders(), 'tus-resumable': '1.0.0' },
    })
    expect(head.status).toBe(200)
    expect(head.headers['upload-offset']).toBe(String(cutAt))
    // Replica 0 ended the stuck request itself, keeping its bytes (a non-shared lock would have left
    // it hanging until the idle timeout's 408).
    expect(await stalled.ended).toBe(204)
    const servedBefore = [await uploadRequestsServedBy(0), await uploadRequestsServedBy(1)]

    // tus-js-client then finishes the upload through nginx, PATCHes spread over both replicas.
    await resumeWithTusClient(location, bytes)
    stalled.req.destroy()
    const servedAfter = [await uploadRequestsServedBy(0), await uploadRequestsServedBy(1)]
    // Round robin: both replicas took part of the rest, writing into the one shared staging dir.
    const resumedOn = servedAfter.map((n, i) => n - (servedBefore[i] ?? 0))
    expect(resumedOn.filter((n) => n === 0)).toEqual([])

    const finished = await finishedResource(uploadId)
    expect(finished.status).toBe(200)
    const resource = parseJson(finished, ResourceResponseSchema, 'finished upload')
    expect(resource).toMatchObject({ name, size: bytes.length, mediaType: 'application/pdf' })
    // Whichever replica took the last byte, both answer the poll alike, and a late HEAD says "complete".
    for (const replica of cluster.replicas) {
      const poll = await httpRequest(`${replica.url}/api/documents/${target.docId}/uploads/${uploadId}/resource`, {
        headers: authHeaders(),
      })
      expect(poll.status).toBe(200)
      expect(JSON.parse(poll.body.toString())).toEqual(resource)
      const head = await httpRequest(`${replica.url}${new URL(location).pathname}`, {
        method: 'HEAD',
        headers: { ...authHeaders(), 'tus-resumable': '1.0.0' },
      })
      expect(head.headers['upload-offset']).toBe(String(bytes.length))
    }

    // DingTalk received the file exactly once, whole.
    const atDingTalk = (await getState(cluster.emulatorUrl)).resources.filter((r) => r.resourceName === name)
    expect(atDingTalk).toHaveLength(1)
    expect(atDingTalk[0]?.uploaded).toBe(true)
    const stored = await httpRequest(new URL(resource.resourceUrl, cluster.emulatorUrl).href)
    expect(stored.body.equals(bytes)).toBe(true)
    expect(tusStatuses.filter((s) => s >= 500 && s !== 503)).toEqual([])
  })

  it('flags content inserted through one replica as a duplicate when it is uploaded through another', async () => {
    const [photo] = await makePhotos(1, { seed: 9100, prefix: 'dup-across' })
    if (!photo) throw new Error('no photo')
    const sha256 = createHash('sha256').update(photo.bytes).digest('hex')
    const uploadAt = (baseUrl: string) =>
      httpRequest(`${baseUrl}/api/documents/${target.docId}/resources?name=${encodeURIComponent(photo.name)}`, {
        method: 'POST',
        headers: { ...authHeaders(), 'content-type': 'image/jpeg', [CONTENT_SHA256_HEADER]: sha256 },
        body: photo.bytes,
      })
    const [a, b] = cluster.replicas
    if (!a || !b) throw new Error('two replicas expected')

    const first = parseJson(await uploadAt(a.url), ResourceResponseSchema, 'first upload')
    expect(first.duplicateOf).toBeNull()
    client.baseUrl = a.url
    const inserted = await client.insert(target.docId, [{ resourceToken: first.resourceToken }])
    client.baseUrl = cluster.url

    const again = parseJson(await uploadAt(b.url), ResourceResponseSchema, 'second upload')
    expect(again.duplicateOf).toMatchObject({ blockId: inserted.blocks[0]?.blockId })
  })
})
