/**
 * WebM is Matroska's EBML: elements of a variable-length id and size (RFC 8794). A file is the
 * EBML header (DocType `webm` or `matroska`) and one Segment whose children are the top-level
 * elements RFC 9559 lists; a size of all ones is "unknown" (live recordings: MediaRecorder writes
 * Segments and Clusters that way), and then the walk stops there.
 */
import type { ContainerInput } from './confirm-container'

const EBML = 0x1a45dfa3
const SEGMENT = 0x18538067
const DOC_TYPE = 0x4282
/** Segment children (RFC 9559 §5.1): SeekHead, Info, Tracks, Cluster, Cues, Attachments, Chapters, Tags, Void, CRC-32. */
const SEGMENT_CHILDREN = new Set([
  0x114d9b74, 0x1549a966, 0x1654ae6b, 0x1f43b675, 0x1c53bb6b, 0x1941a469, 0x1043a770, 0x1254c367, 0xec, 0xbf,
])

interface Element {
  id: number
  /** Where its data starts. */
  data: number
  /** Its data's size; null when unknown. */
  size: number | null
}

/** The element header at `at`, or null when the bytes are not one (or run past the head). */
function element(b: Uint8Array, at: number): Element | null {
  const first = b[at]
  if (first === undefined || first === 0) return null
  const idLength = Math.clz32(first) - 23
  if (idLength > 4 || at + idLength > b.length) return null
  let id = 0
  for (let i = 0; i < idLength; i++) id = id * 256 + (b[at + i] ?? 0)
  const sizeAt = at + idLength
  const sizeFirst = b[sizeAt]
  if (sizeFirst === undefined || sizeFirst === 0) return null
  const sizeLength = Math.clz32(sizeFirst) - 23
  if (sizeAt + sizeLength > b.length) return null
  let size = sizeFirst & (0xff >> sizeLength)
  let allOnes = size === 0xff >> sizeLength
  for (let i = 1; i < sizeLength; i++) {
    const byte = b[sizeAt + i] ?? 0
    size = size * 256 + byte
    allOnes &&= byte === 0xff
  }
  return { id, data: sizeAt + sizeLength, size: allOnes ? null : size }
}

/** The EBML header's DocType, when its children chain exactly to its end. */
function docType(b: Uint8Array, header: Element): string | null {
  if (header.size === null || header.size > 4096) return null
  const end = header.data + header.size
  let at = header.data
  let found: string | null = null
  while (at < end) {
    const child = element(b, at)
    if (!child || child.size === null || child.data + child.size > end) return null
    if (child.id === DOC_TYPE) found = Buffer.from(b.buffer, b.byteOffset + child.data, child.size).toString('latin1')
    at = child.data + child.size
  }
  return at === end ? found : null
}

/** EBML header, then a Segment of known top-level elements chaining over the head. */
export function isWebm({ head, complete, size }: ContainerInput): boolean {
  const header = element(head, 0)
  if (!header || header.id !== EBML) return false
  const type = docType(head, header)
  if (type !== 'webm' && type !== 'matroska') return false
  const segmentAt = header.data + (header.size ?? 0)
  const segment = element(head, segmentAt)
  if (!segment || segment.id !== SEGMENT) return false
  const fileSize = complete ? head.length : size
  const segmentEnd = segment.size === null ? fileSize : segment.data + segment.size
  if (segmentEnd !== undefined && fileSize !== undefined && segmentEnd > fileSize) return false
  let at = segment.data
  while (at < (segmentEnd ?? head.length) && at < head.length) {
    const child = element(head, at)
    if (!child) return !complete && head.length - at < 12
    if (!SEGMENT_CHILDREN.has(child.id)) return false
    if (child.size === null) return true
    at = child.data + child.size
  }
  return complete ? at === (segmentEnd ?? head.length) : true
}
