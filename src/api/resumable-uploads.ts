/**
 * Resumable uploads of large files (docs/api.md "Resumable uploads"): tus-js-client sends the file
 * to `POST /api/documents/:docId/uploads` and continues it with HEAD/PATCH after a dropped
 * connection or, through the URL it stored under the file's fingerprint, after a reload. Then
 * `GET …/uploads/:uploadId/resource` is polled until the server has passed the file to DingTalk;
 * its answer is the same as `POST …/resources` (uploadResource in resources.ts).
 */
import { DetailedError, Upload, type HttpStack, type UrlStorage } from 'tus-js-client'
import {
  CSRF_HEADER,
  EVIDENCE_METADATA_KEY,
  ErrorBodySchema,
  ResourceResponseSchema,
  type EvidenceClaim,
  type ResourceResponse,
} from '@contract/api'
import { ApiError, currentCsrfToken, http, isRetryable, toApiError, writesAllowed } from './http'

/** One PATCH carries at most this much: a proxy body limit is never hit, a cut loses little. */
const CHUNK_BYTES = 16 * 1024 * 1024
/** Waits before each new attempt after an answer `isRetryableStatus` accepts (tus-js-client retries with these). */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000, 30_000]
const POLL_MIN_MS = 300
const POLL_MAX_MS = 2000
/**
 * Transient answers to the poll (network, 408, 429, 5xx) tolerated in a row before giving up. The
 * server sends its staged copy to DingTalk again on the next poll after such a failure, so waiting
 * costs nothing, while failing would send the whole file again.
 */
const POLL_TRANSIENT_FAILURES = 6

export interface ResumableUploadOptions {
  /** SHA-256 (hex) of `blob`: sent as `sha256` metadata and part of the resume fingerprint. */
  sha256: string
  /** Where tus-js-client remembers upload URLs across reloads (IndexedDB, beside the queue). */
  urlStorage: UrlStorage
  onProgress?: (loaded: number, total: number) => void
  /** Aborting stops the transfer (the partial upload stays for a later resume) and rejects with `cancelled`. */
  signal?: AbortSignal
  /** The evidence claim of a stamped photo: its JSON goes in `Upload-Metadata` as `evidence` (docs/evidence.md). */
  evidence?: EvidenceClaim | null
  /** How requests are made (default: tus-js-client's XMLHttpRequest stack); tests pass an in-memory tus server. */
  httpStack?: HttpStack
}

/**
 * Statuses worth another attempt: no answer (0), the request timed out (408), was throttled (429), the
 * server had trouble (5xx), or the upload is busy (423, locked by a request still finishing) or at
 * another offset (409: the retry asks with HEAD where it stands and continues from there).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 409 || status === 423 || status === 429 || status >= 500
}

/** The same content for the same document resumes the same upload, whatever the blob object is. */
export function resumeFingerprint(docId: string, sha256: string, size: number): string {
  return `doc-attach:${docId}:${sha256}:${size}`
}

/** Uploads `blob` with tus and returns the resource once DingTalk has it. */
export async function uploadResumable(
  docId: string,
  blob: Blob,
  name: string,
  mediaType: string,
  options: ResumableUploadOptions,
): Promise<ResourceResponse> {
  // tus requests are made outside axios: they wait here for a session started offline to be confirmed.
  await writesAllowed()
  const uploadUrl = await sendWithTus(docId, blob, name, mediaType, options)
  const uploadId = uploadUrl.split('/').pop() ?? ''
  return pollResource(docId, uploadId, options.signal)
}

function sendWithTus(docId: string, blob: Blob, name: string, mediaType: string, options: ResumableUploadOptions): Promise<string> {
  const endpoint = `/api/documents/${encodeURIComponent(docId)}/uploads`
  return new Promise<string>((resolve, reject) => {
    const upload = new Upload(blob, {
      endpoint,
      metadata: {
        filename: name,
        filetype: mediaType || 'application/octet-stream',
        sha256: options.sha256,
        ...(options.evidence ? { [EVIDENCE_METADATA_KEY]: JSON.stringify(options.evidence) } : {}),
      },
      fingerprint: async () => resumeFingerprint(docId, options.sha256, blob.size),
      urlStorage: options.urlStorage,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      onShouldRetry: (err) => isRetryableStatus(err.originalResponse?.getStatus() ?? 0),
      ...(options.httpStack ? { httpStack: options.httpStack } : {}),
      // The session's CSRF token may have been renewed since the upload started.
      onBeforeRequest: (req) => {
        const token = currentCsrfToken()
        if (token) req.setHeader(CSRF_HEADER, token)
      },
      onProgress: (sent, total) => options.onProgress?.(sent, total),
      onSuccess: () => resolve(upload.url ?? ''),
      onError: (err) => reject(tusError(err)),
    })
    const onAbort = () => {
      void upload.abort()
      reject(new ApiError({ code: 'cancelled', status: 0, message: 'The upload was cancelled.' }))
    }
    if (options.signal?.aborted) return onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    // A previous attempt of this content (before a reload) continues from its last byte.
    void upload.findPreviousUploads().then(
      (previous) => {
        const latest = previous.sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0]
        if (latest) upload.resumeFromPreviousUpload(latest)
        upload.start()
      },
      () => upload.start(),
    )
  })
}

/**
 * `GET …/uploads/:uploadId/resource` until it is no longer 202 (the server is still sending to DingTalk).
 * A transient failure (network, 408, 429, 5xx) is polled again after a growing wait, at least its
 * Retry-After: the bytes are on the server, which tries DingTalk again on the next poll.
 */
async function pollResource(docId: string, uploadId: string, signal?: AbortSignal): Promise<ResourceResponse> {
  const url = `/documents/${encodeURIComponent(docId)}/uploads/${encodeURIComponent(uploadId)}/resource`
  let wait = POLL_MIN_MS
  let failures = 0
  for (;;) {
    let status: number
    let data: unknown
    try {
      ;({ status, data } = await http.get<unknown>(url, { signal }))
    } catch (err) {
      const error = toApiError(err)
      const transient = error.code !== 'cancelled' && (isRetryable(error) || error.status >= 500)
      if (!transient || ++failures > POLL_TRANSIENT_FAILURES) throw error
      await pause(Math.max(wait * 2 ** failures, (error.retryAfterSeconds ?? 0) * 1000), signal)
      continue
    }
    failures = 0
    if (status !== 202) {
      const parsed = ResourceResponseSchema.safeParse(data)
      if (parsed.success) return parsed.data
      throw new ApiError({ code: 'invalid_response', status, message: `Unexpected response from GET ${url}` })
    }
    await pause(wait, signal)
    wait = Math.min(POLL_MAX_MS, wait * 1.5)
  }
}

/** Waits `ms`; rejects with `cancelled` when `signal` is (or was) aborted. */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
  if (signal?.aborted) throw new ApiError({ code: 'cancelled', status: 0, message: 'The upload was cancelled.' })
}

/** A tus failure as an ApiError: our error envelope when the server sent one, else by status. */
function tusError(err: Error): ApiError {
  const response = err instanceof DetailedError ? err.originalResponse : null
  const status = response?.getStatus() ?? 0
  if (!response || status === 0) return new ApiError({ code: 'network_error', status: 0, message: err.message })
  let body: unknown = null
  try {
    body = JSON.parse(response.getBody())
  } catch {
    // tus's own plain-text answers (412, 409, 410 …)
  }
  const envelope = ErrorBodySchema.safeParse(body)
  if (envelope.success) {
    const retryAfter = Number(response.getHeader('Retry-After'))
    return new ApiError({
      code: envelope.data.error.code,
      status,
      message: envelope.data.error.message,
      requestId: envelope.data.error.requestId,
      ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}),
    })
  }
  // 404/410: the upload expired or was removed; the caller starts a fresh one.
  const code = status === 404 || status === 410 ? 'not_found' : status >= 500 ? 'dingtalk_unavailable' : 'invalid_request'
  return new ApiError({ code, status, message: response.getBody() || `tus request failed with ${status}` })
}
