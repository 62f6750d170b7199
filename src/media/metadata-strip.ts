/**
 * Metadata removal without re-encoding for every image type we prepare, so "original" uploads and
 * photos that a re-encode would not shrink still leave the device without location data.
 * JPEG lives in ./jpeg-metadata; PNG chunks: PNG 3rd ed. §11.3 (eXIf, tEXt, zTXt, iTXt);
 * WebP RIFF chunks: RFC 9649 §2.7 (VP8X flags, EXIF, XMP).
 */
import { concatBytes } from './bytes'
import type { ImageType } from './image-format'
import { stripJpegMetadata } from './jpeg-metadata'

const PNG_DROPPED = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME'])

function fourcc(bytes: Uint8Array, off: number): string {
  return String.fromCharCode(bytes[off] ?? 0, bytes[off + 1] ?? 0, bytes[off + 2] ?? 0, bytes[off + 3] ?? 0)
}

/** PNG bytes without EXIF and text chunks (XMP travels in iTXt). Chunks are copied whole, CRCs stay valid. */
export function stripPngMetadata(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const parts: Uint8Array[] = [bytes.subarray(0, 8)]
  let off = 8
  while (off + 12 <= bytes.length) {
    const length = view.getUint32(off)
    const type = fourcc(bytes, off + 4)
    const end = off + 12 + length
    if (end > bytes.length) break
    if (!PNG_DROPPED.has(type)) parts.push(bytes.subarray(off, end))
    off = end
    if (type === 'IEND') break
  }
  return concatBytes(parts)
}

/** WebP bytes without EXIF and XMP chunks; the VP8X flags and RIFF size are updated to match. */
export function stripWebpMetadata(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const parts: Uint8Array[] = []
  let off = 12
  while (off + 8 <= bytes.length) {
    const type = fourcc(bytes, off)
    const size = view.getUint32(off + 4, true)
    const end = Math.min(bytes.length, off + 8 + size + (size % 2))
    if (type === 'VP8X') {
      const chunk = bytes.slice(off, end)
      // Clear the EXIF (0x08) and XMP (0x04) presence flags.
      chunk[8] = (chunk[8] ?? 0) & ~0x0c
      parts.push(chunk)
    } else if (type !== 'EXIF' && type !== 'XMP ') {
      parts.push(bytes.subarray(off, end))
    }
    off = end
  }
  const body = concatBytes(parts)
  const out = new Uint8Array(12 + body.length)
  out.set(bytes.subarray(0, 12))
  new DataView(out.buffer).setUint32(4, 4 + body.length, true)
  out.set(body, 12)
  return out
}

/**
 * The same image without location-bearing metadata, or null for types we cannot rewrite
 * (GIF carries no EXIF/GPS; HEIC is converted instead).
 * @param orientation JPEG only: the orientation to keep in a minimal EXIF.
 */
export function stripLocationMetadata(bytes: Uint8Array, type: ImageType, orientation?: number): Uint8Array | null {
  switch (type) {
    case 'image/jpeg':
      return stripJpegMetadata(bytes, orientation)
    case 'image/png':
      return stripPngMetadata(bytes)
    case 'image/webp':
      return stripWebpMetadata(bytes)
    default:
      return null
  }
}
