/**
 * Resumable uploads (tus 1.0: creation, termination, expiration; docs/api.md "Resumable uploads"):
 * `@tus/server` with `@tus/file-store` stages the bytes in UPLOAD_STAGING_DIR; when the last byte
 * is in, the staged file streams to DingTalk through the same `uploadResource` as
 * `POST …/resources` (same sniffing, limits, checksum and answer), and the outcome is recorded in
 * the completion state for `GET …/uploads/:uploadId/resource`.
 *
 * Replicas: the staging directory must be one every replica sees (the file store keeps each
 * upload's bytes and its `.json` there); the locker and the completion state are interfaces: in
 * this process by default, in Redis with REDIS_URL (server/store/redis-upload-*.ts), so an upload
 * resumes, finishes and is polled on any replica.
 */
import { mkdirSync } from 'node:fs'
import { MemoryLocker, Metadata, Server, type Locker, type Upload } from '@tus/server'
import { Sha256HexSchema } from '@contract/api'
import { AppError, toAppError } from '../../errors'
import { measuredLocker } from './measured-locker'
import { StagingFileStore } from './staging'
import { relayResource, type RelayContext } from './stream-upload'
import type { EvidenceUpload } from '../evidence/evidence-service'
import type { CompletionSubject, RecordedFailure, UploadCompletionState, UploadOwner } from './completion-state'

/** Upload-Metadata keys the browser may set; everything else it sends is dropped. */
const CLIENT_KEYS = ['filename', 'filetype', 'sha256'] as const
/** Where the server keeps the owner in the staged upload's metadata; never shown to the browser. */
const OWNER_KEYS = { docId: 'doc-attach-doc', unionId: 'doc-attach-owner', evidence: 'doc-attach-evidence' } as const
/** Ids `@tus/server` makes (16 random bytes, hex); anything else cannot be an upload of ours. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/

/** One staged upload as the routes see it. */
export interface StagedUpload {
  id: string
  owner: UploadOwner
  size: number
  offset: number
}

export interface ResumableUploadsOptions {
  /** What relaying the finished file to DingTalk needs (the allowance was judged when its bytes came in). */
  upload: RelayContext
  stagingDir: string
  /** Partial uploads older than this are refused (410) and removed; 0 = never. */
  expiryMs: number
  completions: UploadCompletionState
  /** Exclusive access per upload across everything that serves it (default: this process only). */
  locker?: Locker
  /**
   * Bounds what one person keeps staged: called as tus creates an upload, before its file exists
   * (throw an AppError to refuse it); `released` when its staged bytes are gone (finished and
   * relayed, refused for good, or terminated). Expiry needs no call: a hold lapses with its upload.
   */
  stagedBytes?: {
    hold(owner: UploadOwner, uploadId: string, size: number): Promise<void>
    release(owner: UploadOwner, uploadId: string): Promise<void>
  }
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void }
  /** Turns the evidence kept at creation (services/evidence/upload-evidence.ts) into its record step. */
  evidence?: (kept: string) => Promise<Pick<EvidenceUpload, 'record'>>
}

export interface ResumableUploads {
  /** Runs one tus request (POST/HEAD/PATCH/DELETE); `owner` is recorded on creation. */
  handle(request: Request, owner: UploadOwner, evidence?: string): Promise<Response>
  /** The staged upload, or null when there is none (never created, expired, removed). */
  find(uploadId: string): Promise<StagedUpload | null>
  /** Starts the transfer to DingTalk of a complete upload unless it already started somewhere. */
  complete(staged: StagedUpload): Promise<void>
  /** Removes partial uploads past their expiry; resolves to how many. */
  removeExpired(): Promise<number>
  /** Stops the expiry sweep and waits for transfers in flight. */
  close(): Promise<void>
}

/** Creates the tus server over a file store in `stagingDir`, with a periodic expiry sweep. */
export function createResumableUploads(opts: ResumableUploadsOptions): ResumableUploads {
  const { completions, log } = opts
  // Made here, synchronously, so a staging directory that cannot exist fails the start with its
  // own error (StagingFileStore does not run FileStore's unawaited mkdir; staging.ts says why).
  mkdirSync(opts.stagingDir, { recursive: true })
  const datastore = new StagingFileStore({ directory: opts.stagingDir, expirationPeriodInMilliseconds: opts.expiryMs })
  const running = new Set<Promise<void>>()
  /** Set by `handle` for the duration of one creation request (tus hooks only see the request). */
  const ownerOfRequest = new WeakMap<Request, UploadOwner>()
  /** The checked evidence of a creation request, kept in the upload's server-side metadata. */
  const evidenceOfRequest = new WeakMap<Request, string>()
  /** Our own errors raised inside tus (the Redis locker, the completion state): answered in our shape. */
  const appErrorOfRequest = new WeakMap<Request, AppError>()

  const tus = new Server({
    path: '/api/documents/:docId/uploads',
    datastore,
    locker: measuredLocker(opts.locker ?? new MemoryLocker()),
    maxSize: opts.upload.config.limits.maxFileBytes,
    // Location = our own URL for the upload, on the origin the browser used (or PUBLIC_ORIGIN).
    generateUrl: (req, { id }) => {
      const url = new URL(req.url)
      const origin = opts.upload.config.publicOrigin ?? url.origin
      return `${origin}${url.pathname.replace(/\/+$/, '')}/${id}`
    },
    getFileIdFromRequest: (_req, lastPath) => (lastPath && UPLOAD_ID.test(lastPath) ? lastPath : undefined),
    // The H5 is served from this origin: no Access-Control-Allow-Origin (tus would send `*`).
    allowedOrigins: () => false,
    onUploadCreate: async (req, upload) => {
      const owner = ownerOfRequest.get(req)
      if (!owner) throw { status_code: 500, body: 'no owner\n' }
      await opts.stagedBytes?.hold(owner, upload.id, upload.size ?? 0)
      const evidence = evidenceOfRequest.get(req)
      return {
        metadata: {
          ...clientMetadata(upload.metadata),
          [OWNER_KEYS.docId]: owner.docId,
          [OWNER_KEYS.unionId]: owner.unionId,
          ...(evidence ? { [OWNER_KEYS.evidence]: evidence } : {}),
        },
      }
    },
    // tus would answer these 500 in plain text; `handle` rethrows them for our error handler
    // (e.g. 503 service_unavailable with Retry-After while Redis is unreachable).
    onResponseError: (req, err) => {
      if (err instanceof AppError) appErrorOfRequest.set(req, err)
    },
    onUploadFinish: async (_req, upload) => {
      const staged = toStaged(upload)
      if (staged) await begin(staged)
      return {}
    },
  })

  const toStaged = (upload: Upload): StagedUpload | null => {
    const docId = upload.metadata?.[OWNER_KEYS.docId]
    const unionId = upload.metadata?.[OWNER_KEYS.unionId]
    if (!docId || !unionId || upload.size === undefined) return null
    return { id: upload.id, owner: { docId, unionId }, size: upload.size, offset: upload.offset }
  }

  /** Claims the transfer and runs it in the background (the poll reports on it). */
  const begin = async (staged: StagedUpload): Promise<void> => {
    if (!(await completions.begin(staged.id, subjectOf(staged)))) return
    const job = transfer(staged)
      // Only recording the outcome can fail here (the shared store away): the record then lapses
      // and the next poll starts the transfer again.
      .catch((err: unknown) => log.warn({ err, uploadId: staged.id }, 'resumable upload: outcome not recorded'))
      .finally(() => running.delete(job))
    running.add(job)
  }

  const transfer = async (staged: StagedUpload): Promise<void> => {
    const upload = await datastore.getUpload(staged.id).catch(() => null)
    const meta = upload?.metadata ?? {}
    try {
      if (!upload) throw new AppError('not_found', { status: 404, message: 'The upload is gone; send the file again.' })
      const sha256 = meta.sha256 ? Sha256HexSchema.parse(meta.sha256) : undefined
      const keptEvidence = meta[OWNER_KEYS.evidence]
      const evidence = keptEvidence && opts.evidence ? await opts.evidence(keptEvidence) : undefined
      const resource = await relayResource(
        opts.upload,
        {
          docId: staged.owner.docId,
          unionId: staged.owner.unionId,
          contentLength: String(staged.size),
          declaredType: meta.filetype ?? undefined,
          name: meta.filename ?? undefined,
          body: datastore.read(staged.id),
          sha256,
          evidence,
        },
        staged.size,
      )
      await completions.settle(staged.id, { ...subjectOf(staged), state: 'done', resource })
      await removeStaged(staged)
    } catch (err) {
      const failure = recordedFailure(err, log)
      await completions.settle(staged.id, { ...subjectOf(staged), state: 'failed', failure })
      // A transient failure keeps the bytes, so the next poll tries again without a new upload.
      if (!isTransient(failure)) await removeStaged(staged)
    }
  }

  const removeStaged = async (staged: StagedUpload) => {
    await datastore
      .remove(staged.id)
      .catch((err: unknown) => log.warn({ err, uploadId: staged.id }, 'resumable upload: staged file not removed'))
    await releaseHold(staged.owner, staged.id)
  }
  const releaseHold = async (owner: UploadOwner, id: string) => {
    // Not released (the shared store away): the hold lapses when the upload would have expired.
    await opts.stagedBytes
      ?.release(owner, id)
      .catch((err: unknown) => log.warn({ err, uploadId: id }, 'resumable upload: staged bytes not released'))
  }

  const sweepEveryMs = Math.min(Math.max(opts.expiryMs / 2, 1000), 15 * 60 * 1000)
  const sweep =
    opts.expiryMs > 0
      ? setInterval(() => {
          tus.cleanUpExpiredUploads().catch((err: unknown) => {
            // A missing directory is reported once by the staging guard (staging.ts), not every sweep.
            if ((err as { code?: unknown }).code !== 'ENOENT') log.warn({ err }, 'resumable upload: expiry sweep failed')
          })
        }, sweepEveryMs)
      : null
  sweep?.unref()

  return {
    async handle(request, owner, evidence) {
      ownerOfRequest.set(request, owner)
      if (evidence) evidenceOfRequest.set(request, evidence)
      const response = await tus.handleWeb(request)
      const failure = appErrorOfRequest.get(request)
      if (failure) throw failure
      if (request.method === 'DELETE' && response.status === 204) {
        const id = new URL(request.url).pathname.split('/').pop() ?? ''
        await releaseHold(owner, id)
      }
      return response
    },
    async find(uploadId) {
      if (!UPLOAD_ID.test(uploadId)) return null
      const upload = await datastore.getUpload(uploadId).catch(() => null)
      return upload ? toStaged(upload) : null
    },
    complete: begin,
    removeExpired: () => tus.cleanUpExpiredUploads(),
    async close() {
      if (sweep) clearInterval(sweep)
      await Promise.allSettled(running)
    },
  }
}

/** The HEAD answer's Upload-Metadata without the owner keys (the browser sees what it sent). */
export function publicMetadata(header: string | null): string | null {
  if (!header) return header
  try {
    return Metadata.stringify(clientMetadata(Metadata.parse(header)))
  } catch {
    return null
  }
}

function clientMetadata(metadata: Upload['metadata']): Record<string, string | null> {
  const kept: Record<string, string | null> = {}
  for (const key of CLIENT_KEYS) if (metadata?.[key] != null) kept[key] = metadata[key]
  return kept
}

function subjectOf(staged: StagedUpload): CompletionSubject {
  return { ...staged.owner, size: staged.size }
}

function isTransient(failure: RecordedFailure): boolean {
  return failure.status >= 500 || failure.status === 429
}

function recordedFailure(err: unknown, log: ResumableUploadsOptions['log']): RecordedFailure {
  const mapped = toAppError(err)
  if (mapped instanceof AppError) {
    return { status: mapped.status, code: mapped.code, message: mapped.message, headers: mapped.headers }
  }
  log.error({ err }, 'resumable upload: transfer to DingTalk failed')
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side; try again.' }
}
