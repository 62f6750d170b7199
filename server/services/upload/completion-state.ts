/**
 * What happened to a finished resumable upload after its last byte (docs/api.md
 * `GET /api/documents/:docId/uploads/:uploadId/resource`): still going to DingTalk (202), done
 * (200 + the resource), or failed (the error). Behind this interface so that, with replicas, the
 * record lives in the shared store and any replica can answer the poll; the local implementation
 * keeps it in this process.
 */
import type { ErrorCode, ResourceResponse } from '@contract/api'

/** Who the upload belongs to: only they may see its outcome. */
export interface UploadOwner {
  docId: string
  unionId: string
}

/** The owner and the upload's length (a HEAD after the staged bytes are gone still answers it). */
export interface CompletionSubject extends UploadOwner {
  size: number
}

/** A failure as the API answers it (our error shape). */
export interface RecordedFailure {
  status: number
  code: ErrorCode
  message: string
  headers?: Record<string, string>
}

export type UploadCompletion =
  | (CompletionSubject & { state: 'processing'; startedAt: number })
  | (CompletionSubject & { state: 'done'; resource: ResourceResponse })
  | (CompletionSubject & { state: 'failed'; failure: RecordedFailure })

export interface UploadCompletionState {
  get(uploadId: string): Promise<UploadCompletion | null>
  /**
   * Claims the transfer to DingTalk: records "processing" unless a record exists. True when this
   * caller won and must run it (exactly one replica does).
   */
  begin(uploadId: string, subject: CompletionSubject): Promise<boolean>
  /** Records the outcome (kept for `ttlMs`). */
  settle(uploadId: string, outcome: UploadCompletion): Promise<void>
  /** Drops the record: the next poll starts the transfer again (after a transient failure). */
  forget(uploadId: string): Promise<void>
}

/** A finished upload's outcome is kept this long (a resource token is useless after a day). */
export const OUTCOME_TTL_MS = 24 * 60 * 60 * 1000
/** A transfer "processing" for longer than this was lost with its process; the next poll starts it again. */
export const PROCESSING_TTL_MS = 30 * 60 * 1000

export interface CompletionStateOptions {
  /** How long an outcome is kept; a resource token is useless after a day anyway. */
  ttlMs: number
  /** A "processing" record older than this belonged to a process that died mid-transfer. */
  processingTtlMs: number
  now?: () => number
}

/** Outcomes in this process's memory, each forgotten after its time to live. */
export function createMemoryCompletionState(opts: CompletionStateOptions): UploadCompletionState {
  const now = opts.now ?? Date.now
  const records = new Map<string, { completion: UploadCompletion; expiresAt: number }>()

  const live = (uploadId: string) => {
    const record = records.get(uploadId)
    if (record && record.expiresAt <= now()) {
      records.delete(uploadId)
      return null
    }
    return record?.completion ?? null
  }
  const sweep = () => {
    const at = now()
    for (const [id, record] of records) if (record.expiresAt <= at) records.delete(id)
  }

  return {
    async get(uploadId) {
      return live(uploadId)
    },
    async begin(uploadId, subject) {
      if (live(uploadId)) return false
      if (records.size > 1000) sweep()
      const startedAt = now()
      records.set(uploadId, {
        completion: { ...subject, state: 'processing', startedAt },
        expiresAt: startedAt + opts.processingTtlMs,
      })
      return true
    },
    async settle(uploadId, outcome) {
      records.set(uploadId, { completion: outcome, expiresAt: now() + opts.ttlMs })
    },
    async forget(uploadId) {
      records.delete(uploadId)
    },
  }
}
