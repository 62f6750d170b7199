/**
 * The types we accept, judged by content (docs/api.md "accepted by content"). One table,
 * used by the sniffer, the file-name fixer, the upload limits and `GET /api/config`.
 */
import type { ResourceKind } from '@contract/api'

export interface MediaTypeInfo {
  /** The canonical MIME type we send to DingTalk as `mediaType` and `Content-Type`. */
  mediaType: string
  /** Canonical extension, without a dot; names are fixed to end with it. */
  ext: string
  /** Other extensions a correct name may already carry (kept as given, e.g. `.jpeg`). */
  aliases: readonly string[]
  /** How it is inserted: an inline image paragraph or an attachment block. */
  kind: ResourceKind
  /** True when the bytes are a picture, so the per-photo limit (MAX_IMAGE_BYTES) applies. */
  isImage: boolean
}

/**
 * Accepted types, in the order `/api/config` lists them.
 * HEIC/HEIF are pictures (the photo size limit applies) but documents do not show them inline,
 * so they arrive as files: the H5 converts them first and only sends HEIC when it could not
 * (docs/upload-pipeline.md "A HEIC that cannot be converted goes as a file").
 */
export const MEDIA_TYPES: readonly MediaTypeInfo[] = [
  { mediaType: 'image/jpeg', ext: 'jpg', aliases: ['jpeg', 'jpe'], kind: 'image', isImage: true },
  { mediaType: 'image/png', ext: 'png', aliases: [], kind: 'image', isImage: true },
  { mediaType: 'image/gif', ext: 'gif', aliases: [], kind: 'image', isImage: true },
  { mediaType: 'image/webp', ext: 'webp', aliases: [], kind: 'image', isImage: true },
  { mediaType: 'image/heic', ext: 'heic', aliases: [], kind: 'file', isImage: true },
  { mediaType: 'image/heif', ext: 'heif', aliases: ['heic'], kind: 'file', isImage: true },
  { mediaType: 'application/pdf', ext: 'pdf', aliases: [], kind: 'file', isImage: false },
  {
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ext: 'docx',
    aliases: [],
    kind: 'file',
    isImage: false,
  },
  {
    mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ext: 'xlsx',
    aliases: [],
    kind: 'file',
    isImage: false,
  },
  {
    mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ext: 'pptx',
    aliases: [],
    kind: 'file',
    isImage: false,
  },
  { mediaType: 'text/plain', ext: 'txt', aliases: ['text', 'log', 'md'], kind: 'file', isImage: false },
  { mediaType: 'text/csv', ext: 'csv', aliases: [], kind: 'file', isImage: false },
  { mediaType: 'application/zip', ext: 'zip', aliases: [], kind: 'file', isImage: false },
  { mediaType: 'video/mp4', ext: 'mp4', aliases: ['m4v'], kind: 'file', isImage: false },
  { mediaType: 'video/quicktime', ext: 'mov', aliases: ['qt'], kind: 'file', isImage: false },
  { mediaType: 'video/webm', ext: 'webm', aliases: [], kind: 'file', isImage: false },
  { mediaType: 'audio/mpeg', ext: 'mp3', aliases: [], kind: 'file', isImage: false },
  { mediaType: 'audio/mp4', ext: 'm4a', aliases: ['m4b', 'mp4'], kind: 'file', isImage: false },
  { mediaType: 'audio/aac', ext: 'aac', aliases: [], kind: 'file', isImage: false },
  { mediaType: 'audio/wav', ext: 'wav', aliases: ['wave'], kind: 'file', isImage: false },
]

/** The accepted MIME types, for `GET /api/config` `limits.acceptedTypes`. */
export const ACCEPTED_MEDIA_TYPES: readonly string[] = MEDIA_TYPES.map((t) => t.mediaType)

const BY_MEDIA_TYPE = new Map(MEDIA_TYPES.map((t) => [t.mediaType, t]))

/** The accepted type for a canonical MIME type, or undefined when it is not accepted. */
export function mediaTypeInfo(mediaType: string): MediaTypeInfo | undefined {
  return BY_MEDIA_TYPE.get(mediaType)
}
