/**
 * What one person keeps staged in unfinished resumable uploads, bounded by
 * MAX_STAGED_BYTES_PER_PERSON across replicas: each upload holds its declared length in the shared
 * store (Redis with REDIS_URL) from creation until its staged bytes are gone, or until it would
 * have expired (UPLOAD_EXPIRY_SECONDS), whichever comes first.
 */
import { AppError } from '../../errors'
import type { SharedStore } from '../../store/types'
import type { UploadOwner } from './completion-state'

/** Staged uploads usually finish within a minute or two; try a new one after that. */
const STAGED_RETRY_AFTER_S = 60

export function createStagedBytes(deps: { store: SharedStore; max: number; holdMs: number }) {
  const keyOf = (owner: UploadOwner) => `staged-bytes:${owner.unionId}`
  return {
    /** @throws AppError 429 rate_limited (Retry-After) when the person's staged uploads would pass the limit. */
    async hold(owner: UploadOwner, uploadId: string, size: number): Promise<void> {
      if (await deps.store.holdQuota(keyOf(owner), uploadId, size, deps.max, deps.holdMs)) return
      throw new AppError('rate_limited', {
        status: 429,
        message: `Your unfinished uploads already hold close to ${deps.max} bytes on the server (MAX_STAGED_BYTES_PER_PERSON); finish or cancel some first.`,
        headers: { 'retry-after': String(STAGED_RETRY_AFTER_S) },
      })
    },
    async release(owner: UploadOwner, uploadId: string): Promise<void> {
      await deps.store.releaseQuota(keyOf(owner), uploadId)
    },
  }
}
