/**
 * What the queue accepts before anything is uploaded: the size limits, the types the server never
 * accepts, and the batch size. The server checks all of this again; refusing early saves a phone's
 * data plan and gives the reason at once.
 */
import type { Limits } from '@contract/api'
import type { PreparedFile } from '@/media/prepare-file'
import { formatBytes } from '@/lib/format'
import type { ItemError, QueueItem } from './queue-item'

/** The server's defaults (docs/api.md, GET /api/config), used until it answers (or if it cannot). */
export const DEFAULT_LIMITS: Limits = {
  maxFileBytes: 100 * 1024 * 1024,
  maxImageBytes: 20 * 1024 * 1024,
  maxFilesPerBatch: 50,
  acceptedTypes: [],
}

/** Types the server never accepts whatever the bytes (docs/api.md); refused before uploading. */
const NEVER_ACCEPTED =
  /^(text\/html|application\/xhtml|image\/svg|application\/xml|text\/xml|text\/javascript|application\/(x-)?javascript|application\/x-(msdownload|sh|msdos-program|executable)|application\/vnd\.microsoft\.portable-executable)/i
const NEVER_ACCEPTED_EXT = /\.(html?|xhtml|svg|xml|js|mjs|exe|bat|cmd|sh|msi|com|scr|ps1|vbs)$/i

/** The largest upload allowed for an item of this type (photos have their own, lower limit). */
export function sizeLimitFor(item: Pick<QueueItem, 'mediaType'>, limits: Limits): number {
  return item.mediaType.startsWith('image/') ? limits.maxImageBytes : limits.maxFileBytes
}

/** Why a prepared file cannot be uploaded, or null when it can. */
export function rejectReason(prepared: PreparedFile, limits: Limits): ItemError | null {
  if (NEVER_ACCEPTED.test(prepared.mediaType) || NEVER_ACCEPTED_EXT.test(prepared.name)) {
    return { code: 'type_not_accepted', retryable: false }
  }
  const max = sizeLimitFor(prepared, limits)
  if (prepared.blob.size > max) return { code: 'too_large', params: { max: formatBytes(max) }, retryable: false }
  return null
}

/** How many more files the batch takes (failed items do not count). */
export function roomInBatch(items: readonly QueueItem[], limits: Limits): number {
  return limits.maxFilesPerBatch - items.filter((i) => i.status !== 'failed').length
}

/** The failure of a file picked beyond the batch limit. */
export function tooManyError(limits: Limits): ItemError {
  return { code: 'too_many', params: { max: limits.maxFilesPerBatch }, retryable: false }
}
