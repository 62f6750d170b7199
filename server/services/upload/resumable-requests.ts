/**
 * What each tus route asks for (docs/api.md "Resumable uploads"), the route having validated the
 * request: creation checks, ownership, the allowance, then tus (resumable.ts) does the protocol.
 * Every request first passes the staging guard (staging.ts: a missing directory or too little free
 * space is 503, not a crash or a half-written file).
 */
import type { FastifyRequest } from 'fastify'
import { Metadata, type Locker } from '@tus/server'
import { Sha256HexSchema, type ResourceResponse } from '@contract/api'
import type { AppConfig } from '../../config'
import type { DingTalkApi } from '../../dingtalk/types'
import { AppError } from '../../errors'
import type { SharedStore } from '../../store/types'
import { createUploadAllowance } from './allowance'
import {
  createMemoryCompletionState,
  OUTCOME_TTL_MS,
  PROCESSING_TTL_MS,
  type UploadCompletionState,
  type UploadOwner,
} from './completion-state'
import { createDocumentAccess } from './document-access'
import type { DuplicateLookup } from './duplicate-index'
import { createResumableUploads, publicMetadata, type ResumableUploadsOptions } from './resumable'
import { createStagedBytes } from './staged-bytes'
import { createStagingGuard, type StagingGuardOptions } from './staging'
import { webRequest } from './tus-bridge'

const TUS_VERSION = '1.0.0'

export interface ResumableRequestsDeps {
  config: AppConfig
  dingtalk: DingTalkApi
  store: SharedStore
  now: () => number
  duplicates?: DuplicateLookup
  /** Outcomes of finished uploads (default: this process's memory; Redis with REDIS_URL, server.ts). */
  completions?: UploadCompletionState
  /** Per-upload lock for tus (default: in-process; Redis with REDIS_URL, server.ts). */
  locker?: Locker
  /** How the staging directory's free space is read (tests report a full disk with their own). */
  statfs?: StagingGuardOptions['statfs']
  log: StagingGuardOptions['log'] & { error(obj: object, msg: string): void }
  /** The record step of evidence kept at creation (services/evidence/upload-evidence.ts). */
  evidence?: ResumableUploadsOptions['evidence']
}

/** The headers of a creation, as the route validated them. */
export interface CreationHeaders {
  'upload-length': string
  'upload-metadata'?: string
}

/** What `GET …/uploads/:uploadId/resource` answers: 202 while it goes to DingTalk, or the resource. */
export type UploadOutcome = { state: 'processing' } | { state: 'done'; resource: ResourceResponse }

export interface ResumableRequests {
  /** `POST …/uploads`: tus's answer (201 + Location), after the creation checks. */
  create(request: FastifyRequest, owner: UploadOwner, headers: CreationHeaders, evidence?: string): Promise<Response>
  /** `HEAD`/`PATCH`/`DELETE …/uploads/:uploadId` of the owner's upload; anyone else's is 404. */
  proceed(request: FastifyRequest, owner: UploadOwner, uploadId: string): Promise<Response>
  /** `GET …/uploads/:uploadId/resource`. */
  outcome(owner: UploadOwner, uploadId: string): Promise<UploadOutcome>
  close(): Promise<void>
}

export function createResumableRequests(deps: ResumableRequestsDeps): ResumableRequests {
  const { config, store, now } = deps
  const completions = deps.completions ?? createMemoryCompletionState({ ttlMs: OUTCOME_TTL_MS, processingTtlMs: PROCESSING_TTL_MS, now })
  const allowance = createUploadAllowance({ store, config })
  const access = createDocumentAccess({ dingtalk: deps.dingtalk, store })
  const staging = createStagingGuard({
    dir: config.uploads.stagingDir,
    minFreeBytes: config.uploads.minStagingFreeBytes,
    log: deps.log,
    statfs: deps.statfs,
  })
  const uploads = createResumableUploads({
    upload: { dingtalk: deps.dingtalk, config, now, duplicates: deps.duplicates },
    stagingDir: config.uploads.stagingDir,
    expiryMs: config.uploads.expiryMs,
    completions,
    locker: deps.locker,
    stagedBytes: createStagedBytes({ store, max: config.uploads.maxStagedBytesPerPerson, holdMs: config.uploads.expiryMs }),
    log: deps.log,
    evidence: deps.evidence,
  })

  /**
   * The creation checks, in order, before tus stores anything: the person may add to the document
   * (403/404), the metadata is well-formed (400), the staging directory is there with room (503).
   * Size, slot and rate are the allowance's (allowance.ts); staged bytes are held as tus creates.
   */
  const checkCreation = async (owner: UploadOwner, headers: CreationHeaders): Promise<void> => {
    await access.checkCanAdd(owner.docId, owner.unionId)
    checkMetadata(headers['upload-metadata'])
    await staging.check({ creating: true })
  }

  return {
    async create(request, owner, headers, evidence) {
      await checkCreation(owner, headers)
      const shape = { size: Number(headers['upload-length']), starts: true, carriesBytes: announcesBody(request) }
      return allowance.run(owner.unionId, shape, () => uploads.handle(webRequest(request), owner, evidence))
    },

    async proceed(request, owner, uploadId) {
      await staging.check({ creating: false })
      const staged = await uploads.find(uploadId)
      if (!staged) {
        // The bytes are gone because the upload finished: a resuming client learns it is complete.
        const outcome = await completions.get(uploadId)
        if (outcome && sameOwner(outcome, owner) && request.method === 'HEAD') return finished(outcome.size)
        throw notFound()
      }
      if (!sameOwner(staged.owner, owner)) throw notFound()
      if (request.method === 'PATCH') {
        // Access may have been taken away since creation (the answer is cached: no call per PATCH).
        await access.checkCanAdd(owner.docId, owner.unionId)
        return allowance.run(owner.unionId, { starts: false, carriesBytes: true }, () => uploads.handle(webRequest(request), staged.owner))
      }
      const response = await uploads.handle(webRequest(request), staged.owner)
      if (request.method === 'HEAD') {
        // The browser sees the metadata it sent, not what the server keeps about the owner.
        const metadata = publicMetadata(response.headers.get('upload-metadata'))
        if (metadata) response.headers.set('upload-metadata', metadata)
        else response.headers.delete('upload-metadata')
      }
      return response
    },

    async outcome(owner, uploadId) {
      const recorded = await completions.get(uploadId)
      if (recorded && !sameOwner(recorded, owner)) throw notFound()
      if (!recorded) {
        await staging.check({ creating: false })
        const staged = await uploads.find(uploadId)
        if (!staged || !sameOwner(staged.owner, owner)) throw notFound()
        if (staged.offset < staged.size) {
          throw new AppError('upload_incomplete', {
            status: 409,
            message: `Only ${staged.offset} of ${staged.size} bytes have arrived; finish the upload first.`,
          })
        }
        // Finished, but no transfer on record (this process restarted, or a transient failure was reported).
        await uploads.complete(staged)
        return { state: 'processing' }
      }
      if (recorded.state === 'processing') return { state: 'processing' }
      if (recorded.state === 'done') return { state: 'done', resource: recorded.resource }
      const { failure } = recorded
      // A transient failure is reported once; the next poll sends the staged file again.
      if (failure.status >= 500 || failure.status === 429) await completions.forget(uploadId)
      throw new AppError(failure.code, { status: failure.status, message: failure.message, headers: failure.headers })
    },

    close: () => uploads.close(),
  }
}

/** A well-formed sha256 in Upload-Metadata when there is one; other malformed metadata is tus's to refuse. */
function checkMetadata(metadata: string | undefined): void {
  if (metadata === undefined) return
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

/** The request carries upload bytes (creation-with-upload): it holds an upload slot. */
function announcesBody(request: FastifyRequest): boolean {
  const { headers } = request.raw
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0
}

function sameOwner(a: UploadOwner, b: UploadOwner): boolean {
  return a.docId === b.docId && a.unionId === b.unionId
}

function notFound(): AppError {
  return new AppError('not_found', { status: 404, message: 'No such upload.' })
}

/** A HEAD for an upload whose staged bytes are gone because it finished. */
function finished(size: number): Response {
  const headers = {
    'tus-resumable': TUS_VERSION,
    'upload-offset': String(size),
    'upload-length': String(size),
    'cache-control': 'no-store',
  }
  return new Response(null, { status: 200, headers })
}
