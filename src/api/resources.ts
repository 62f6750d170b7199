import { CONTENT_SHA256_HEADER, EVIDENCE_HEADER, ResourceResponseSchema, type EvidenceClaim, type ResourceResponse } from '@contract/api'
import { request } from './http'
import { evidenceHeaderValue } from './evidence'

export interface UploadResourceOptions {
  /** Bytes sent so far and the total, from axios onUploadProgress. */
  onProgress?: (loaded: number, total: number) => void
  /** Aborting rejects with ApiError code `cancelled`. */
  signal?: AbortSignal
  /** SHA-256 (hex) of `blob`, sent as `X-Content-SHA256`: the server refuses bytes that differ. */
  sha256?: string
  /** The evidence claim of a stamped photo, sent as `X-Evidence` (docs/evidence.md). */
  evidence?: EvidenceClaim | null
}

/** Slowest link we still wait for (≈ 256 kbit/s) before calling an upload timed out. */
const MIN_BYTES_PER_SECOND = 32 * 1024
const MIN_UPLOAD_TIMEOUT_MS = 60_000

/**
 * `POST /api/documents/:docId/resources` (docs/api.md): the raw bytes as the body, the declared
 * type as `Content-Type` and the file name as `?name=` (docs/dingtalk.md#jsapi: always an explicit
 * name with extension). The browser sets Content-Length from the Blob, which the server needs.
 */
export function uploadResource(
  docId: string,
  blob: Blob,
  name: string,
  mediaType: string,
  options: UploadResourceOptions = {},
): Promise<ResourceResponse> {
  return request(ResourceResponseSchema, {
    method: 'POST',
    url: `/documents/${encodeURIComponent(docId)}/resources`,
    params: { name },
    data: blob,
    // Raw bytes, never transformed: axios would otherwise serialise anything it does not
    // recognise as a Blob (e.g. a Blob from another realm) into JSON.
    transformRequest: [(data: unknown) => data],
    headers: {
      'Content-Type': mediaType || 'application/octet-stream',
      ...(options.sha256 ? { [CONTENT_SHA256_HEADER]: options.sha256 } : {}),
      ...(options.evidence ? { [EVIDENCE_HEADER]: evidenceHeaderValue(options.evidence) } : {}),
    },
    timeout: Math.max(MIN_UPLOAD_TIMEOUT_MS, Math.ceil((blob.size / MIN_BYTES_PER_SECOND) * 1000)),
    signal: options.signal,
    onUploadProgress: (event) => options.onProgress?.(event.loaded, event.total ?? blob.size),
  })
}
