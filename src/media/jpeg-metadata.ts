/**
 * Pure JPEG metadata handling, no DOM: reading the EXIF orientation and whether the file carries a
 * location, and rewriting the bytes without location-bearing segments while keeping the photo
 * upright (a minimal EXIF holding only Orientation). Used for "original" uploads (no re-encode) and
 * when a re-encode would not shrink the photo. Segment layout: ITU T.81 §B.1; EXIF/TIFF: CIPA
 * DC-008 (EXIF 2.3) §4.6.
 */
import { concatBytes } from './bytes'

export interface JpegMetadata {
  /** EXIF orientation 1–8 (1 when absent or invalid). */
  orientation: number
  /** An EXIF GPS IFD with at least one entry. */
  hasGps: boolean
  /** An XMP packet (it may hold exif:GPS* and other personal data). */
  hasXmp: boolean
  /** Pixel size from the frame header (before orientation is applied), when found. */
  width?: number
  height?: number
}

interface Segment {
  marker: number
  /** Offset of the 0xFF that starts the marker. */
  start: number
  /** Offset just past the segment (marker, length and payload). */
  end: number
  /** Offset of the payload (after the 2 length bytes). */
  payload: number
}

const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const APP0 = 0xe0
const APP1 = 0xe1
const APP2 = 0xe2
const APP14 = 0xee

const EXIF_HEADER = 'Exif\0\0'
const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0'
const XMP_EXT_HEADER = 'http://ns.adobe.com/xmp/extension/\0'
const ICC_HEADER = 'ICC_PROFILE\0'

const TAG_ORIENTATION = 0x0112
const TAG_GPS_IFD = 0x8825

/** Thrown for bytes that are not a well-formed JPEG; callers fall back to sending the file as is. */
export class JpegFormatError extends Error {
  override name = 'JpegFormatError'
}

function startsWith(bytes: Uint8Array, offset: number, text: string): boolean {
  if (offset + text.length > bytes.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false
  return true
}

function u16be(bytes: Uint8Array, off: number): number {
  return ((bytes[off] ?? 0) << 8) | (bytes[off + 1] ?? 0)
}

/** Marker segments from SOI up to and including the first SOS (the header part of the file). */
function headerSegments(bytes: Uint8Array): Segment[] {
  if (bytes[0] !== 0xff || bytes[1] !== SOI) throw new JpegFormatError('not a JPEG (no SOI)')
  const segments: Segment[] = []
  let off = 2
  while (off < bytes.length) {
    if (bytes[off] !== 0xff) throw new JpegFormatError(`expected a marker at ${off}`)
    // Any number of 0xFF fill bytes may precede a marker (T.81 §B.1.1.2).
    while (bytes[off + 1] === 0xff) off++
    const marker = bytes[off + 1]
    if (marker === undefined) break
    if (marker === EOI) break
    const length = u16be(bytes, off + 2)
    if (length < 2 || off + 2 + length > bytes.length) throw new JpegFormatError(`bad segment length at ${off}`)
    const seg: Segment = { marker, start: off, end: off + 2 + length, payload: off + 4 }
    segments.push(seg)
    if (marker === SOS) break
    off = seg.end
  }
  return segments
}

/**
 * Offset just past the EOI marker, walking entropy-coded data and any further scans (progressive
 * JPEGs have several SOS with tables between them). Bytes after EOI — trailers such as MPF
 * secondary images, which carry their own EXIF — are not part of the primary image.
 */
function endOfImage(bytes: Uint8Array, afterFirstSos: number): number {
  let off = afterFirstSos
  while (off + 1 < bytes.length) {
    if (bytes[off] !== 0xff) {
      off++
      continue
    }
    const next = bytes[off + 1] ?? 0
    if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) {
      // Stuffed byte, fill byte or restart marker: still inside the scan.
      off += next === 0xff ? 1 : 2
      continue
    }
    if (next === EOI) return off + 2
    const length = u16be(bytes, off + 2)
    if (length < 2) throw new JpegFormatError(`bad segment length at ${off}`)
    off += 2 + length
  }
  // Truncated file without EOI: keep everything (a decoder shows what is there).
  return bytes.length
}

interface Tiff {
  view: DataView
  little: boolean
  /** Offset of the TIFF header inside `view`. */
  base: number
}

function readIfdEntries(tiff: Tiff, ifdOffset: number): Array<{ tag: number; type: number; count: number; valueOffset: number }> {
  const { view, little, base } = tiff
  const at = base + ifdOffset
  if (ifdOffset < 8 || at + 2 > view.byteLength) return []
  const count = view.getUint16(at, little)
  const entries = []
  for (let i = 0; i < count; i++) {
    const e = at + 2 + i * 12
    if (e + 12 > view.byteLength) break
    entries.push({
      tag: view.getUint16(e, little),
      type: view.getUint16(e + 2, little),
      count: view.getUint32(e + 4, little),
      valueOffset: e + 8,
    })
  }
  return entries
}

function parseExif(bytes: Uint8Array, seg: Segment): { orientation: number; hasGps: boolean } {
  const tiffStart = seg.payload + EXIF_HEADER.length
  const view = new DataView(bytes.buffer, bytes.byteOffset + tiffStart, seg.end - tiffStart)
  if (view.byteLength < 8) return { orientation: 1, hasGps: false }
  const order = view.getUint16(0)
  if (order !== 0x4949 && order !== 0x4d4d) return { orientation: 1, hasGps: false }
  const little = order === 0x4949
  if (view.getUint16(2, little) !== 42) return { orientation: 1, hasGps: false }
  const tiff: Tiff = { view, little, base: 0 }
  let orientation = 1
  let hasGps = false
  for (const entry of readIfdEntries(tiff, view.getUint32(4, little))) {
    if (entry.tag === TAG_ORIENTATION && entry.type === 3) {
      const value = view.getUint16(entry.valueOffset, little)
      if (value >= 1 && value <= 8) orientation = value
    } else if (entry.tag === TAG_GPS_IFD) {
      const gpsOffset = view.getUint32(entry.valueOffset, little)
      hasGps = readIfdEntries(tiff, gpsOffset).length > 0
    }
  }
  return { orientation, hasGps }
}

/**
 * Reads orientation, location and size facts from JPEG bytes without decoding pixels.
 * @throws JpegFormatError when the bytes are not a JPEG.
 */
export function readJpegMetadata(bytes: Uint8Array): JpegMetadata {
  const result: JpegMetadata = { orientation: 1, hasGps: false, hasXmp: false }
  for (const seg of headerSegments(bytes)) {
    if (seg.marker === APP1 && startsWith(bytes, seg.payload, EXIF_HEADER)) {
      const exif = parseExif(bytes, seg)
      result.orientation = exif.orientation
      result.hasGps = result.hasGps || exif.hasGps
    } else if (seg.marker === APP1 && (startsWith(bytes, seg.payload, XMP_HEADER) || startsWith(bytes, seg.payload, XMP_EXT_HEADER))) {
      result.hasXmp = true
    } else if (isStartOfFrame(seg.marker) && result.width === undefined) {
      result.height = u16be(bytes, seg.payload + 1)
      result.width = u16be(bytes, seg.payload + 3)
    }
  }
  return result
}

function isStartOfFrame(marker: number): boolean {
  // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
}

/**
 * A minimal EXIF APP1 segment (marker included) holding only IFD0 Orientation, big-endian TIFF.
 * 34 bytes: marker(2) length(2) "Exif\0\0"(6) TIFF header(8) count(2) entry(12) next-IFD(4).
 */
export function minimalExifSegment(orientation: number): Uint8Array {
  const out = new Uint8Array(36)
  const view = new DataView(out.buffer)
  view.setUint16(0, 0xff00 | APP1)
  view.setUint16(2, out.length - 2)
  for (let i = 0; i < EXIF_HEADER.length; i++) out[4 + i] = EXIF_HEADER.charCodeAt(i)
  const t = 10
  view.setUint16(t, 0x4d4d) // "MM": big-endian
  view.setUint16(t + 2, 42)
  view.setUint32(t + 4, 8) // IFD0 right after the header
  view.setUint16(t + 8, 1) // one entry
  view.setUint16(t + 10, TAG_ORIENTATION)
  view.setUint16(t + 12, 3) // SHORT
  view.setUint32(t + 14, 1) // count
  view.setUint16(t + 18, orientation) // value, left-justified in the 4-byte field
  view.setUint32(t + 22, 0) // no IFD1 (no thumbnail, which would keep the old metadata's picture)
  return out
}

/** Segments we keep: JFIF (APP0), ICC colour profiles (APP2), Adobe colour transform (APP14), and every non-APP segment. */
function keepSegment(bytes: Uint8Array, seg: Segment): boolean {
  if (seg.marker === APP0 || seg.marker === APP14) return true
  if (seg.marker === APP2) return startsWith(bytes, seg.payload, ICC_HEADER)
  // Other APPn (EXIF, XMP, Photoshop/IPTC, MPF, maker data) and COM may hold location or identity.
  if ((seg.marker >= 0xe0 && seg.marker <= 0xef) || seg.marker === 0xfe) return false
  return true
}

/**
 * JPEG bytes without any segment that can hold location or other personal metadata (EXIF incl. GPS
 * and thumbnail, XMP, IPTC/Photoshop, MPF trailers, comments). The image data is copied untouched
 * (no re-encode, no quality loss). When the photo needs an orientation other than 1, a minimal EXIF
 * with only that Orientation is written after JFIF so viewers still show it upright.
 * @param orientation the orientation to keep; defaults to the one found in the bytes.
 * @throws JpegFormatError when the bytes are not a JPEG.
 */
export function stripJpegMetadata(bytes: Uint8Array, orientation?: number): Uint8Array {
  const segments = headerSegments(bytes)
  const sos = segments[segments.length - 1]
  if (!sos || sos.marker !== SOS) throw new JpegFormatError('no image data (SOS) found')
  const keepOrientation = orientation ?? readJpegMetadata(bytes).orientation
  const end = endOfImage(bytes, sos.end)

  const parts: Uint8Array[] = [bytes.subarray(0, 2)]
  let exifWritten = keepOrientation === 1
  const exif = exifWritten ? null : minimalExifSegment(keepOrientation)
  for (const seg of segments) {
    // EXIF goes first, or right after JFIF APP0 which must lead (JFIF 1.02 §"JPEG File Interchange Format").
    if (!exifWritten && exif && seg.marker !== APP0) {
      parts.push(exif)
      exifWritten = true
    }
    if (seg === sos) break
    if (keepSegment(bytes, seg)) parts.push(bytes.subarray(seg.start, seg.end))
  }
  parts.push(bytes.subarray(sos.start, end))
  return concatBytes(parts)
}
