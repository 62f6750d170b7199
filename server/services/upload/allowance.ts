/**
 * The one allowance-and-size check of both upload paths (`POST …/resources` in stream-upload.ts,
 * and the tus routes in resumable-requests.ts): a size judged before any byte (413 over
 * MAX_FILE_BYTES, 415 when empty), an upload start counted per person per minute
 * (UPLOAD_RATE_PER_MINUTE, 429), and one of the person's MAX_CONCURRENT_UPLOADS_PER_PERSON slots
 * held by every request that carries upload bytes (429 with Retry-After).
 */
import type { AppConfig } from '../../config'
import { AppError } from '../../errors'
import { createUploadRateLimiter } from '../../limits/rate-limit-store'
import { withUploadSlot } from '../../limits/upload-slots'
import type { SharedStore } from '../../store/types'

/** What one request asks of the allowance. */
export interface UploadRequestShape {
  /** The declared size of the whole file (judged against the limits); absent when judged earlier (a tus PATCH). */
  size?: number
  /** It starts an upload (counted against UPLOAD_RATE_PER_MINUTE). */
  starts: boolean
  /** It carries upload bytes (holds one of the person's slots while `work` runs). */
  carriesBytes: boolean
}

export interface UploadAllowance {
  /**
   * Runs `work` once the upload is allowed: size, then slot, then the per-minute count (a request
   * refused for a slot does not use up the person's minute).
   * @throws AppError 413 file_too_large, 415 unsupported_type (empty), 429 rate_limited (Retry-After).
   */
  run<T>(unionId: string, shape: UploadRequestShape, work: () => Promise<T>): Promise<T>
}

export function createUploadAllowance(deps: { store: SharedStore; config: AppConfig }): UploadAllowance {
  const { store, config } = deps
  const rateLimiter = createUploadRateLimiter(store, config.limits.uploadsPerMinutePerUser)
  const counted = async <T>(unionId: string, shape: UploadRequestShape, work: () => Promise<T>): Promise<T> => {
    if (shape.starts) {
      const allowance = await rateLimiter.take(unionId)
      if (!allowance.allowed) {
        throw new AppError('rate_limited', {
          status: 429,
          message: 'Too many uploads in a minute; wait a moment.',
          headers: { 'retry-after': String(allowance.retryAfterSeconds) },
        })
      }
    }
    return work()
  }
  return {
    async run(unionId, shape, work) {
      if (shape.size !== undefined) checkFileSize(shape.size, config)
      if (!shape.carriesBytes) return counted(unionId, shape, work)
      return withUploadSlot(store, unionId, config.limits.concurrentUploadsPerUser, () => counted(unionId, shape, work))
    },
  }
}

/** A file's declared size within the limits: 413 over MAX_FILE_BYTES, 415 when empty. */
function checkFileSize(size: number, config: AppConfig): void {
  if (size > config.limits.maxFileBytes) {
    throw new AppError('file_too_large', { status: 413, message: `Files can be at most ${config.limits.maxFileBytes} bytes.` })
  }
  if (size === 0) throw new AppError('unsupported_type', { status: 415, message: 'The file is empty.' })
}

/**
 * The raw `Content-Length` of a single-request upload as a number.
 * @throws AppError 411 length_required when absent (chunked), 400 invalid_request when not a number.
 */
export function declaredLength(contentLength: string | undefined): number {
  if (contentLength === undefined) {
    throw new AppError('length_required', { status: 411, message: 'Send the file with a Content-Length header.' })
  }
  if (!/^\d{1,16}$/.test(contentLength)) {
    throw new AppError('invalid_request', { status: 400, message: 'Content-Length is not a number.' })
  }
  return Number(contentLength)
}
