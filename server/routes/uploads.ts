/**
 * Resumable uploads, tus 1.0 (docs/api.md "Resumable uploads"): `POST /api/documents/:docId/uploads`
 * creates one, `HEAD`/`PATCH`/`DELETE …/uploads/:uploadId` continue or end it, and
 * `GET …/uploads/:uploadId/resource` reports what became of the finished file (202 while it goes to
 * DingTalk, then the very answer of `POST …/resources`). Session and CSRF are checked by the app's
 * onRequest hook; here: ownership (someone else's upload is 404, like one that does not exist),
 * the size limit before any byte, and the raw request handed to tus untouched.
 */
import { Readable } from 'node:stream'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { DocParamsSchema, Sha256HexSchema } from '@contract/api'
import { AppError } from '../errors'
import { requireUser } from '../auth/guard'
import { createUploadRateLimiter } from '../limits/rate-limit-store'
import { withUploadSlot } from '../limits/upload-slots'
import {
  createMemoryCompletionState,
  OUTCOME_TTL_MS,
  PROCESSING_TTL_MS,
  type UploadCompletion,
  type UploadCompletionState,
} from '../services/upload/completion-state'
import { createResumableUploads, publicMetadata, UPLOAD_ID, type ResumableUploads } from '../services/upload/resumable'
import { Metadata, type Locker } from '@tus/server'
import type { RouteDeps } from './deps'
import { evidenceOfCreation, keptEvidenceRecorder } from '../services/evidence/upload-evidence'

export interface UploadRouteOptions extends RouteDeps {
  now?: () => number
  /** Outcomes of finished uploads (default: this process's memory; Redis with REDIS_URL, server.ts). */
  completions?: UploadCompletionState
  /** Per-upload lock for tus (default: in-process; Redis with REDIS_URL, server.ts). */
  locker?: Locker
}

const UploadParamsSchema = DocParamsSchema.extend({ uploadId: z.string() })
const TUS_VERSION = '1.0.0'

/** Registers the tus routes; their pass-through body parser applies inside this plugin only. */
export const uploadRoutes: FastifyPluginAsync<UploadRouteOptions> = async (app, opts) => {
  const { config } = opts
  const now = opts.now ?? Date.now
  const rateLimiter = createUploadRateLimiter(opts.store, config.limits.uploadsPerMinutePerUser)
  const completions = opts.completions ?? createMemoryCompletionState({ ttlMs: OUTCOME_TTL_MS, processingTtlMs: PROCESSING_TTL_MS, now })
  const uploads: ResumableUploads = createResumableUploads({
    upload: { dingtalk: opts.dingtalk, config, now, duplicates: opts.duplicateIndex },
    stagingDir: config.uploads.stagingDir,
    expiryMs: config.uploads.expiryMs,
    completions,
    locker: opts.locker,
    log: app.log,
    evidence: opts.evidence ? keptEvidenceRecorder(opts.evidence) : undefined,
  })
  app.addHook('onClose', async () => uploads.close())

  // `application/offset+octet-stream` (and anything else) stays unread for tus to stream to disk.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload))

  app.post('/api/documents/:docId/uploads', async (request, reply) => {
    const user = requireUser(request)
    const { docId } = docParams(request)
    checkCreation(request, config.limits.maxFileBytes)
    const allowance = await rateLimiter.take(user.unionId)
    if (!allowance.allowed) {
      throw new AppError('rate_limited', {
        status: 429,
        message: 'Too many uploads in a minute; wait a moment.',
        headers: { 'retry-after': String(allowance.retryAfterSeconds) },
      })
    }
    // The claim is checked now, before any byte (400 / 403 / 409), and kept with the upload.
    const evidence = await evidenceOfCreation(opts, request, user)
    return forward(request, reply, await uploads.handle(webRequest(request), { docId, unionId: user.unionId }, evidence))
  })

  const continueUpload = async (request: FastifyRequest, reply: FastifyReply) => {
    const user = requireUser(request)
    const { docId, uploadId } = uploadParams(request)
    const staged = await uploads.find(uploadId)
    if (!staged) {
      // The bytes are gone because the upload finished: a resuming client learns it is complete.
      const outcome = await ownedOutcome(completions, uploadId, docId, user.unionId)
      if (outcome && request.method === 'HEAD') return reply.code(200).headers(finishedHeaders(outcome.size)).send()
      throw notFound()
    }
    if (staged.owner.docId !== docId || staged.owner.unionId !== user.unionId) throw notFound()
    // A PATCH carries bytes: it holds one of the person's MAX_CONCURRENT_UPLOADS_PER_PERSON slots.
    const handle = () => uploads.handle(webRequest(request), staged.owner)
    const response =
      request.method === 'PATCH'
        ? await withUploadSlot(opts.store, user.unionId, config.limits.concurrentUploadsPerUser, handle)
        : await handle()
    if (request.method === 'HEAD') {
      const metadata = publicMetadata(response.headers.get('upload-metadata'))
      if (metadata) response.headers.set('upload-metadata', metadata)
      else response.headers.delete('upload-metadata')
    }
    return forward(request, reply, response)
  }
  app.route({ method: 'HEAD', url: '/api/documents/:docId/uploads/:uploadId', handler: continueUpload })
  app.patch('/api/documents/:docId/uploads/:uploadId', continueUpload)
  app.delete('/api/documents/:docId/uploads/:uploadId', continueUpload)

  app.get('/api/documents/:docId/uploads/:uploadId/resource', async (request, reply) => {
    const user = requireUser(request)
    const { docId, uploadId } = uploadParams(request)
    const recorded = await completions.get(uploadId)
    if (recorded && (recorded.docId !== docId || recorded.unionId !== user.unionId)) throw notFound()
    if (!recorded) {
      const staged = await uploads.find(uploadId)
      if (!staged || staged.owner.docId !== docId || staged.owner.unionId !== user.unionId) throw notFound()
      if (staged.offset < staged.size) {
        throw new AppError('upload_incomplete', {
          status: 409,
          message: `Only ${staged.offset} of ${staged.size} bytes have arrived; finish the upload first.`,
        })
      }
      // Finished, but no transfer on record (this process restarted, or a transient failure was reported).
      await uploads.complete(staged)
      return processing(reply)
    }
    if (recorded.state === 'processing') return processing(reply)
    if (recorded.state === 'done') return reply.code(200).send(recorded.resource)
    const { failure } = recorded
    // A transient failure is reported once; the next poll sends the staged file again.
    if (failure.status >= 500 || failure.status === 429) await completions.forget(uploadId)
    throw new AppError(failure.code, { status: failure.status, message: failure.message, headers: failure.headers })
  })
}

function docParams(request: FastifyRequest) {
  const params = DocParamsSchema.safeParse(request.params)
  if (!params.success) throw new AppError('invalid_request', { status: 400, message: 'The document id is not valid.' })
  return params.data
}

function uploadParams(request: FastifyRequest) {
  const params = UploadParamsSchema.safeParse(request.params)
  if (!params.success) throw new AppError('invalid_request', { status: 400, message: 'The document id is not valid.' })
  if (!UPLOAD_ID.test(params.data.uploadId)) throw notFound()
  return params.data
}

function notFound(): AppError {
  return new AppError('not_found', { status: 404, message: 'No such upload.' })
}

/**
 * What we judge before tus sees the creation: a known length (no deferred length: DingTalk needs
 * the size up front), within MAX_FILE_BYTES (413 before any byte), not empty, a well-formed sha256.
 * A missing Tus-Resumable or a malformed header is left to tus, which answers as the protocol says.
 */
function checkCreation(request: FastifyRequest, maxFileBytes: number): void {
  if (request.headers['upload-defer-length'] !== undefined) {
    throw new AppError('invalid_request', { status: 400, message: 'Send Upload-Length; uploads of unknown length are not accepted.' })
  }
  const length = request.headers['upload-length']
  if (typeof length === 'string' && /^\d{1,16}$/.test(length)) {
    if (Number(length) > maxFileBytes)
      throw new AppError('file_too_large', { status: 413, message: `Files can be at most ${maxFileBytes} bytes.` })
    if (Number(length) === 0) throw new AppError('unsupported_type', { status: 415, message: 'The file is empty.' })
  }
  const metadata = request.headers['upload-metadata']
  if (typeof metadata !== 'string') return
  let sha256: string | null | undefined
  try {
    sha256 = Metadata.parse(metadata).sha256
  } catch {
    return
  }
  if (sha256 != null && !Sha256HexSchema.safeParse(sha256).success) {
    throw new AppError('invalid_request', { status: 400, message: 'Upload-Metadata sha256 must be 64 hex digits (base64-encoded).' })
  }
}

/** The Fastify request as a web Request for tus; its body streams from the socket with backpressure. */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  const hasBody = request.method === 'POST' || request.method === 'PATCH'
  const body = hasBody ? pullStream(request.raw) : null
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers, body, duplex: 'half' }
  return new Request(`${request.protocol}://${request.host}${request.url}`, init)
}

/** A web stream that reads the next chunk from `source` only when asked: nothing piles up in memory. */
function pullStream(source: Readable): ReadableStream<Uint8Array> {
  // Not destroyed on cancel: tus stopping early must still be able to answer on this connection.
  const chunks = source.iterator({ destroyOnReturn: false })
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next: IteratorResult<Buffer> = await chunks.next()
          if (next.done) controller.close()
          else controller.enqueue(next.value)
        } catch (err) {
          controller.error(err)
        }
      },
      async cancel() {
        await chunks.return?.()
      },
    },
    { highWaterMark: 0 },
  )
}

/** Sends tus's answer through Fastify (so the app's headers and logging apply). */
async function forward(request: FastifyRequest, reply: FastifyReply, response: Response): Promise<FastifyReply> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'content-length') headers[name] = value
  })
  // tus stopped reading (an error, a cut connection): do not wait for the rest of the body.
  if (!request.raw.complete && (request.method === 'POST' || request.method === 'PATCH')) headers.connection = 'close'
  const text = await response.text()
  return reply
    .code(response.status)
    .headers(headers)
    .send(text === '' ? undefined : text)
}

function finishedHeaders(size: number): Record<string, string> {
  return {
    'tus-resumable': TUS_VERSION,
    'upload-offset': String(size),
    'upload-length': String(size),
    'cache-control': 'no-store',
  }
}

function processing(reply: FastifyReply): FastifyReply {
  return reply.code(202).header('retry-after', '1').send({ state: 'processing' })
}

async function ownedOutcome(
  completions: UploadCompletionState,
  uploadId: string,
  docId: string,
  unionId: string,
): Promise<UploadCompletion | null> {
  const outcome = await completions.get(uploadId)
  return outcome && outcome.docId === docId && outcome.unionId === unionId ? outcome : null
}
