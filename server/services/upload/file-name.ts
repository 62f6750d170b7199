/**
 * File names as people see them in the document (docs/api.md: "sanitised (no path separators,
 * control characters, or names that are only dots), kept in UTF-8, and shown as given").
 */
import { stripControls } from '../text/strip-controls'
import type { MediaTypeInfo } from './media-types'

/**
 * Longest name we pass to DingTalk, in UTF-8 bytes. DingTalk publishes no limit for
 * `resourceName`; 255 bytes is the common file-system limit, and we keep headroom below it.
 */
export const MAX_NAME_BYTES = 200

/** Tabs and line breaks: kept in captions (stripControls), never part of a file name. */
const LINE_AND_TAB = /[\t\n]/g
/** Characters DingTalk storage refuses in names (docs/dingtalk.md#file-names) and Windows reserves. */
const RESERVED = /[*"<>|:?]/g
/** What counts as an existing extension we may replace: short, alphanumeric, with a letter. */
const EXTENSION = /^(?=.*[a-z])[a-z0-9]{1,5}$/i

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })
const encoder = new TextEncoder()

function utf8Length(text: string): number {
  return encoder.encode(text).length
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character or an emoji. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text
  let out = ''
  let bytes = 0
  for (const { segment } of segmenter.segment(text)) {
    const size = utf8Length(segment)
    if (bytes + size > maxBytes) break
    out += segment
    bytes += size
  }
  return out
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}

/** `photo-20261127-113403` in UTC: sortable, unique enough for one person's camera roll. */
function photoStem(now: number): string {
  const d = new Date(now)
  return (
    `photo-${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}` +
    `-${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`
  )
}

/** Lower-case extension of a name (no dot), or '' when there is none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
}

/**
 * A safe display name for an upload of type `type`:
 * - only the last path segment is kept (`C:\fakepath\a.jpg`, `../../etc/x` → `a.jpg`, `x`);
 * - what stripControls removes from captions is removed (and tabs and line breaks too), reserved
 *   characters become `_`;
 * - Unicode is kept (NFC), trimmed, trailing dots and spaces dropped;
 * - the extension is made to match the bytes: a plausible wrong one is replaced
 *   (`IMG_1.HEIC` holding JPEG → `IMG_1.jpg`), otherwise the right one is appended
 *   (`report v1.2` holding PDF → `report v1.2.pdf`);
 * - at most MAX_NAME_BYTES UTF-8 bytes, cut on a character boundary, extension preserved;
 * - nothing usable left (missing, empty, only dots) → `photo-<UTC time>.<ext>` for pictures,
 *   `file.<ext>` for everything else.
 */
export function sanitizeFileName(raw: string | undefined, type: MediaTypeInfo, now: number): string {
  const lastSegment =
    (raw ?? '')
      .split(/[/\\]/)
      .filter((s) => s.trim() !== '')
      .pop() ?? ''
  let name = stripControls(lastSegment.normalize('NFC')).replace(LINE_AND_TAB, '').replace(RESERVED, '_').trim()
  name = name.replace(/[.\s]+$/u, '')

  let stem = name
  const ext = extensionOf(name)
  if (ext !== '' && EXTENSION.test(ext)) stem = name.slice(0, name.length - ext.length - 1)
  const keepExt = ext === type.ext || type.aliases.includes(ext)
  const finalExt = keepExt ? name.slice(name.length - ext.length) : type.ext
  if (keepExt) stem = name.slice(0, name.length - ext.length - 1)

  stem = truncateUtf8(stem, MAX_NAME_BYTES - utf8Length(finalExt) - 1)
    .replace(/[.\s]+$/u, '')
    .trim()
  if (stem.replace(/\./g, '') === '') stem = type.isImage ? photoStem(now) : 'file'
  return `${stem}.${finalExt}`
}
