/**
 * When a photo was taken, read from the original's EXIF before preparation strips it:
 * `DateTimeOriginal` (0x9003) and, when the camera wrote it, `OffsetTimeOriginal` (0x9011), both
 * in the EXIF sub-IFD (CIPA DC-008, EXIF 2.32, §4.6.5). JPEG keeps EXIF in an APP1 segment; HEIC/HEIF
 * keeps it as an `Exif` item of the `meta` box (ISO/IEC 23008-12 §A.2.1), found through `iinf` and
 * `iloc`. Nothing else is read: the location in the same EXIF never leaves this module.
 */

/** The capture time as the camera's clock showed it, and its UTC offset when recorded. */
export interface TakenAt {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  /** Minutes east of UTC (e.g. +480 for "+08:00"); null when the photo has no offset. */
  offsetMinutes: number | null
}

const TAG_EXIF_IFD = 0x8769
const TAG_DATE_TIME_ORIGINAL = 0x9003
const TAG_OFFSET_TIME_ORIGINAL = 0x9011
const ASCII = 2

/** How many leading bytes of a JPEG hold its EXIF (one APP1 segment is at most 64 KiB, after APP0). */
export const TAKEN_AT_JPEG_HEAD_BYTES = 128 * 1024

/**
 * Reads the capture time from a JPEG's leading bytes (TAKEN_AT_JPEG_HEAD_BYTES suffice) or from
 * TIFF-structured EXIF bytes (`tiff`). Null when there is none or it is not a valid date.
 */
export function readJpegTakenAt(bytes: Uint8Array): TakenAt | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null
  let off = 2
  while (off + 4 <= bytes.length && bytes[off] === 0xff) {
    const marker = bytes[off + 1] ?? 0
    if (marker === 0xda || marker === 0xd9) break
    const length = ((bytes[off + 2] ?? 0) << 8) | (bytes[off + 3] ?? 0)
    if (length < 2) break
    if (marker === 0xe1 && ascii(bytes, off + 4, 6) === 'Exif\0\0') {
      const start = off + 10
      return readTiffTakenAt(bytes.subarray(start, Math.min(off + 2 + length, bytes.length)))
    }
    off += 2 + length
  }
  return null
}

/** Reads the capture time from a TIFF header + IFDs (the body of an EXIF block). */
export function readTiffTakenAt(tiff: Uint8Array): TakenAt | null {
  if (tiff.length < 8) return null
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength)
  const order = view.getUint16(0)
  if (order !== 0x4949 && order !== 0x4d4d) return null
  const little = order === 0x4949
  if (view.getUint16(2, little) !== 42) return null
  const ifd0 = entries(view, little, view.getUint32(4, little))
  const exifPointer = ifd0.find((e) => e.tag === TAG_EXIF_IFD)
  if (!exifPointer) return null
  const exif = entries(view, little, view.getUint32(exifPointer.at + 8, little))
  const date = exif.find((e) => e.tag === TAG_DATE_TIME_ORIGINAL)
  if (!date) return null
  const takenAt = parseExifDate(asciiValue(view, little, date))
  if (!takenAt) return null
  const offset = exif.find((e) => e.tag === TAG_OFFSET_TIME_ORIGINAL)
  return { ...takenAt, offsetMinutes: offset ? parseOffset(asciiValue(view, little, offset)) : null }
}

interface Entry {
  tag: number
  type: number
  count: number
  /** Offset of the 12-byte entry in the TIFF block. */
  at: number
}

function entries(view: DataView, little: boolean, ifd: number): Entry[] {
  if (ifd < 8 || ifd + 2 > view.byteLength) return []
  const count = view.getUint16(ifd, little)
  const out: Entry[] = []
  for (let i = 0; i < count; i++) {
    const at = ifd + 2 + i * 12
    if (at + 12 > view.byteLength) break
    out.push({ tag: view.getUint16(at, little), type: view.getUint16(at + 2, little), count: view.getUint32(at + 4, little), at })
  }
  return out
}

function asciiValue(view: DataView, little: boolean, entry: Entry): string {
  if (entry.type !== ASCII || entry.count === 0) return ''
  // Up to 4 bytes sit in the entry itself; longer values are elsewhere, at the offset it holds.
  const start = entry.count <= 4 ? entry.at + 8 : view.getUint32(entry.at + 8, little)
  if (start + entry.count > view.byteLength) return ''
  let text = ''
  for (let i = 0; i < entry.count; i++) {
    const code = view.getUint8(start + i)
    if (code === 0) break
    text += String.fromCharCode(code)
  }
  return text
}

/** "2026:12:01 14:03:27" (EXIF's own format; some tools write "-" in the date). */
function parseExifDate(text: string): Omit<TakenAt, 'offsetMinutes'> | null {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})/.exec(text.trim())
  if (!m) return null
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number]
  // "0000:00:00 00:00:00" is what cameras write for an unset clock.
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null
  return { year, month, day, hour, minute }
}

/** "+08:00" / "-03:30" → minutes east of UTC; anything else → null. */
function parseOffset(text: string): number | null {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(text.trim())
  if (!m) return null
  const minutes = Number(m[2]) * 60 + Number(m[3])
  if (minutes > 14 * 60) return null
  return m[1] === '-' ? -minutes : minutes
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let text = ''
  for (let i = 0; i < length && at + i < bytes.length; i++) text += String.fromCharCode(bytes[at + i] ?? 0)
  return text
}

// ---- HEIC / HEIF ----------------------------------------------------------------------------------

/** Where a HEIC's EXIF block lies in the file, found from its leading bytes (the `meta` box). */
export interface ExifLocation {
  offset: number
  length: number
}

interface Box {
  type: string
  /** Offset of the box's content (after size and type). */
  body: number
  end: number
}

function boxes(view: DataView, start: number, end: number): Box[] {
  const out: Box[] = []
  let off = start
  while (off + 8 <= end) {
    let size = view.getUint32(off)
    let header = 8
    if (size === 1) {
      if (off + 16 > end) break
      size = Number(view.getBigUint64(off + 8))
      header = 16
    } else if (size === 0) {
      size = end - off
    }
    if (size < header || off + size > end + 0) {
      // A box running past what we have: keep what its header says, the caller checks bounds.
      out.push({ type: boxType(view, off + 4), body: off + header, end: Math.min(off + size, end) })
      break
    }
    out.push({ type: boxType(view, off + 4), body: off + header, end: off + size })
    off += size
  }
  return out
}

function boxType(view: DataView, at: number): string {
  let text = ''
  for (let i = 0; i < 4; i++) text += String.fromCharCode(view.getUint8(at + i))
  return text
}

/**
 * Finds the `Exif` item of a HEIC/HEIF from the file's leading bytes (the `meta` box comes first;
 * 256 KiB is plenty). Null when there is none or the boxes are not understood.
 */
export function findHeicExif(head: Uint8Array): ExifLocation | null {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const top = boxes(view, 0, head.byteLength)
  if (top[0]?.type !== 'ftyp') return null
  const meta = top.find((b) => b.type === 'meta')
  if (!meta) return null
  // meta is a FullBox: version and flags before its children.
  const children = boxes(view, meta.body + 4, meta.end)
  const iinf = children.find((b) => b.type === 'iinf')
  const iloc = children.find((b) => b.type === 'iloc')
  if (!iinf || !iloc) return null
  const itemId = exifItemId(view, iinf)
  return itemId === null ? null : itemLocation(view, iloc, itemId)
}

function exifItemId(view: DataView, iinf: Box): number | null {
  const version = view.getUint8(iinf.body)
  const countSize = version === 0 ? 2 : 4
  const first = iinf.body + 4 + countSize
  for (const infe of boxes(view, first, iinf.end)) {
    if (infe.type !== 'infe') continue
    const v = view.getUint8(infe.body)
    if (v < 2) continue
    const idSize = v === 2 ? 2 : 4
    const id = idSize === 2 ? view.getUint16(infe.body + 4) : view.getUint32(infe.body + 4)
    const typeAt = infe.body + 4 + idSize + 2
    if (typeAt + 4 <= infe.end && boxType(view, typeAt) === 'Exif') return id
  }
  return null
}

function itemLocation(view: DataView, iloc: Box, itemId: number): ExifLocation | null {
  const version = view.getUint8(iloc.body)
  let p = iloc.body + 4
  const sizes = view.getUint16(p)
  p += 2
  const offsetSize = sizes >> 12
  const lengthSize = (sizes >> 8) & 0xf
  const baseOffsetSize = (sizes >> 4) & 0xf
  const indexSize = version === 1 || version === 2 ? sizes & 0xf : 0
  const count = version < 2 ? view.getUint16(p) : view.getUint32(p)
  p += version < 2 ? 2 : 4
  const read = (size: number): number => {
    const value =
      size === 0 ? 0 : size === 4 ? view.getUint32(p) : size === 8 ? Number(view.getBigUint64(p)) : size === 2 ? view.getUint16(p) : NaN
    p += size
    return value
  }
  for (let i = 0; i < count && p < iloc.end; i++) {
    const id = version < 2 ? read(2) : read(4)
    // construction_method 0 (file offset) is what cameras write; 1 (idat) and 2 (item) are not handled.
    const method = version === 1 || version === 2 ? view.getUint16(p) & 0xf : 0
    if (version === 1 || version === 2) p += 2
    p += 2 // data_reference_index
    const base = read(baseOffsetSize)
    const extents = view.getUint16(p)
    p += 2
    let first: ExifLocation | null = null
    for (let e = 0; e < extents; e++) {
      read(indexSize)
      const offset = read(offsetSize)
      const length = read(lengthSize)
      if (e === 0) first = { offset: base + offset, length }
    }
    if (id === itemId) return method === 0 && first && Number.isFinite(first.offset) ? first : null
  }
  return null
}

/**
 * The capture time from a HEIC's `Exif` item bytes: a 4-byte offset to the TIFF header, then EXIF
 * (ISO/IEC 23008-12 §A.2.1).
 */
export function readHeicExifTakenAt(item: Uint8Array): TakenAt | null {
  if (item.length < 4) return null
  const skip = new DataView(item.buffer, item.byteOffset, 4).getUint32(0)
  const start = 4 + skip
  if (start >= item.length) return null
  // Some writers put "Exif\0\0" before the TIFF header and count it in the offset, some do not.
  const tiff = item.subarray(start)
  return readTiffTakenAt(ascii(tiff, 0, 6) === 'Exif\0\0' ? tiff.subarray(6) : tiff)
}

/**
 * The capture time of a picked photo (JPEG or HEIC/HEIF), reading only the few bytes that hold it.
 * Null for other types, photos without EXIF dates, and anything unreadable.
 */
export async function readTakenAt(blob: Blob): Promise<TakenAt | null> {
  try {
    const head = new Uint8Array(await blob.slice(0, TAKEN_AT_JPEG_HEAD_BYTES * 2).arrayBuffer())
    if (head[0] === 0xff && head[1] === 0xd8) return readJpegTakenAt(head)
    const where = findHeicExif(head)
    if (!where || where.length > 1024 * 1024) return null
    const item = new Uint8Array(await blob.slice(where.offset, where.offset + where.length).arrayBuffer())
    return readHeicExifTakenAt(item)
  } catch {
    return null
  }
}
