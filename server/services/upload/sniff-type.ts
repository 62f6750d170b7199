/**
 * Decides what an upload IS from its first bytes, never from its name or declared type
 * (docs/api.md: "a vague or wrong declared type is overridden by what the bytes are";
 * HTML, SVG, XML, scripts and executables are never accepted).
 */
import { fileTypeFromBuffer } from 'file-type'
import { confirmContainer } from './containers/confirm-container'
import { ACTIVE_TEXT_MARKERS } from './markup-markers'
import { mediaTypeInfo, type MediaTypeInfo } from './media-types'

/**
 * How many leading bytes the sniffer looks at. file-type needs ~4 KiB for most formats; Office
 * files are ZIPs whose `[Content_Types].xml` entry must be inside the head, and the plain-text
 * check is more reliable on more text, so we take 64 KiB (still a fixed, small buffer).
 */
export const SNIFF_BYTES = 64 * 1024

// C0 controls other than TAB, LF, FF, CR; DEL; C1 controls. NUL is the classic binary marker.
// eslint-disable-next-line no-control-regex
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/

/** Longest stretch of text a marker can span; kept from one chunk to the next so none hides at a seam. */
const MARKER_CARRY_CHARS = 256

/**
 * Checks text chunk by chunk as it streams (docs/api.md: no markup anywhere in a text file, not
 * only in its head): valid UTF-8, no control bytes, no markup or script markers — also across
 * chunk boundaries. Memory stays at one chunk plus a short carry.
 */
export class PlainTextScanner {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  private carry = ''
  private seenText = false
  private started = false
  /** False once something that is not plain text was seen; it never becomes true again. */
  ok = true

  /** Feeds the next bytes; returns whether everything so far is plain text. */
  push(bytes: Uint8Array): boolean {
    if (!this.ok) return false
    try {
      // stream: a multi-byte character cut at the end of the chunk is held back, not an error.
      return this.check(this.decoder.decode(bytes, { stream: true }))
    } catch {
      return (this.ok = false)
    }
  }

  /** The input ended; returns whether all of it was plain text (and not empty). */
  end(): boolean {
    if (!this.ok) return false
    try {
      if (!this.check(this.decoder.decode())) return false
    } catch {
      return (this.ok = false)
    }
    return (this.ok = this.seenText)
  }

  private check(text: string): boolean {
    if (text.length > 0) this.seenText = true
    if (!this.started && text.length > 0) {
      this.started = true
      if (text.replace(/^\uFEFF/, '').startsWith('#!')) return (this.ok = false)
    }
    if (BINARY_CONTROL.test(text)) return (this.ok = false)
    const window = this.carry + text
    if (ACTIVE_TEXT_MARKERS.some((marker) => marker.test(window))) return (this.ok = false)
    this.carry = window.slice(-MARKER_CARRY_CHARS)
    return true
  }
}

/**
 * True when `head` is plain UTF-8 text that nothing would execute or render as markup.
 * `complete` says whether `head` is the whole file; if not, a multi-byte character cut at the
 * end of the head is not an error (the rest is checked while it streams: PlainTextScanner).
 */
export function isPlainText(head: Uint8Array, complete: boolean): boolean {
  const scanner = new PlainTextScanner()
  if (!scanner.push(head)) return false
  return complete ? scanner.end() : head.length > 0
}

/** file-type reports a few accepted formats under sibling MIME types; fold them onto ours. */
const SIBLING_MIME: Record<string, string> = {
  'audio/x-m4a': 'audio/mp4',
  'video/x-m4v': 'video/mp4',
  'audio/vnd.wave': 'audio/wav',
  'audio/x-wav': 'audio/wav',
}

function canonicalMime(mime: string): string {
  const bare = mime.split(';')[0]?.trim().toLowerCase() ?? ''
  return SIBLING_MIME[bare] ?? bare
}

const OFFICE_BY_EXT: Record<string, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
}

/**
 * Office files are ZIPs. When their `[Content_Types].xml` entry is not in the head (some tools
 * write it last), the bytes only say "ZIP"; then the name or declared type may pick the Office
 * type — both are accepted containers, so this choice cannot let anything dangerous in.
 */
function officeByHint(hints: SniffHints): MediaTypeInfo | undefined {
  const declared = canonicalMime(hints.declaredType ?? '')
  const mediaType = OFFICE_BY_EXT[hints.nameExt ?? ''] ?? Object.values(OFFICE_BY_EXT).find((m) => m === declared)
  return mediaType ? mediaTypeInfo(mediaType) : undefined
}

export interface SniffHints {
  /** True when `head` holds the whole file. */
  complete: boolean
  /** Lower-case extension of the given file name (no dot); only tells CSV from text and Office from ZIP. */
  nameExt?: string
  /** The declared Content-Type; only tells CSV from text and Office from ZIP. */
  declaredType?: string
  /** The whole file's size in bytes (Content-Length, tus Upload-Length): containers must fit in it. */
  size?: number
}

/**
 * The accepted type of a file whose first bytes are `head`, or null when the bytes are not an
 * accepted type (including anything unrecognisable). Binary formats come from `file-type`
 * (magic numbers; a ZIP whose entries are Office parts is reported as docx/xlsx/pptx), audio and
 * video must also pass containers/confirm-container.ts; text is our own check (valid UTF-8, no NUL
 * or control bytes, no markup or script markers).
 */
export async function sniffType(head: Uint8Array, hints: SniffHints): Promise<MediaTypeInfo | null> {
  if (head.length === 0) return null
  let detected: { mime: string } | undefined
  try {
    detected = await fileTypeFromBuffer(head)
  } catch {
    // A malformed container that makes the detector throw is not something we accept.
    return null
  }
  const info = detected ? mediaTypeInfo(canonicalMime(detected.mime)) : undefined
  if (info && info.mediaType === 'application/zip') return officeByHint(hints) ?? info
  // Audio and video: magic bytes are not enough, the container must hold together (and carry no markup).
  if (info) return confirmContainer(info.mediaType, { head, complete: hints.complete, size: hints.size }) ? info : null
  // Anything else file-type recognises (EXE, ELF, APK, JAR, XML, …) is refused — unless the bytes
  // pass the strict text check: some signatures are two printable letters ("BM" = BMP), so a CSV
  // starting "BMW,…" is still text, while real binaries carry NUL and control bytes.
  if (!isPlainText(head, hints.complete)) return null
  const isCsv = hints.nameExt === 'csv' || canonicalMime(hints.declaredType ?? '') === 'text/csv'
  return mediaTypeInfo(isCsv ? 'text/csv' : 'text/plain') ?? null
}
