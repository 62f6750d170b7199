/**
 * Image type detection from bytes. DingTalk's webview may hand us files with an empty or wrong
 * `type` and no extension (docs/dingtalk.md#jsapi), so every decision about a picked file is made
 * from its first bytes, never from its name or declared type.
 */

export type ImageType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | 'image/heic' | 'image/heif'

/** ISO-BMFF major/compatible brands that mean HEIC (HEVC-coded) or generic HEIF stills/sequences. */
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'])
const HEIF_BRANDS = new Set(['mif1', 'msf1'])

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let out = ''
  for (let i = start; i < start + length && i < bytes.length; i++) out += String.fromCharCode(bytes[i] ?? 0)
  return out
}

/**
 * The image type the bytes are, or null when they are not an image we prepare on the device.
 * AVIF shares HEIF's container but is left to the server (it sniffs and decides), hence null.
 */
export function detectImageType(bytes: Uint8Array): ImageType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  if (bytes.length >= 8 && ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return 'image/png'
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'image/gif'
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'image/webp'
  if (bytes.length >= 16 && ascii(bytes, 4, 4) === 'ftyp') {
    const boxSize = ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)
    const brands = [ascii(bytes, 8, 4)]
    for (let off = 16; off + 4 <= Math.min(boxSize, bytes.length); off += 4) brands.push(ascii(bytes, off, 4))
    if (brands.some((b) => b === 'avif' || b === 'avis')) return null
    if (brands.some((b) => HEIC_BRANDS.has(b))) return 'image/heic'
    if (brands.some((b) => HEIF_BRANDS.has(b))) return 'image/heif'
  }
  return null
}

/**
 * Whether a PNG or WebP may carry transparency (PNG colour types 4/6 or a tRNS chunk; WebP VP8X
 * alpha flag or lossless VP8L, whose alpha bit we treat as "maybe"). Such images are re-encoded as
 * PNG, because JPEG would paint the transparent parts black.
 */
export function mayHaveAlpha(bytes: Uint8Array, type: ImageType): boolean {
  if (type === 'image/png') {
    const colorType = bytes[25]
    if (colorType === 4 || colorType === 6) return true
    // tRNS gives palette/grey/RGB images transparency; it must come before the first IDAT.
    let off = 8
    while (off + 8 <= bytes.length) {
      const len = (((bytes[off] ?? 0) << 24) >>> 0) + ((bytes[off + 1] ?? 0) << 16) + ((bytes[off + 2] ?? 0) << 8) + (bytes[off + 3] ?? 0)
      const name = ascii(bytes, off + 4, 4)
      if (name === 'tRNS') return true
      if (name === 'IDAT' || name === 'IEND') return false
      off += 12 + len
    }
    return false
  }
  if (type === 'image/webp') {
    const chunk = ascii(bytes, 12, 4)
    if (chunk === 'VP8L') return true
    if (chunk === 'VP8X') return ((bytes[20] ?? 0) & 0x10) !== 0
    return false
  }
  return false
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/heic': '.heic',
  'image/heif': '.heif',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'text/csv': '.csv',
  'application/zip': '.zip',
  'video/mp4': '.mp4',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '.pptx',
}

/** The usual file extension (with dot) for a media type, or '' when we do not know one. */
export function extensionFor(mediaType: string): string {
  return EXTENSIONS[mediaType.toLowerCase()] ?? ''
}

/**
 * An explicit file name with an extension that matches `mediaType`. DingTalk's webview can deliver
 * files without a name or with the extension lost (docs/dingtalk.md#jsapi), and a converted photo
 * must not keep its old extension (IMG_1.HEIC → IMG_1.jpg).
 */
export function fileNameFor(originalName: string, mediaType: string, fallbackStem = 'file'): string {
  const cleaned = originalName.replace(/[\\/]/g, '_').trim()
  const ext = extensionFor(mediaType)
  const dot = cleaned.lastIndexOf('.')
  const stem = dot > 0 ? cleaned.slice(0, dot) : cleaned
  const currentExt = dot > 0 ? cleaned.slice(dot).toLowerCase() : ''
  const base = stem.replace(/^\.+$/, '') || fallbackStem
  if (!ext) return dot > 0 ? `${base}${cleaned.slice(dot)}` : base
  if (currentExt === ext || (ext === '.jpg' && currentExt === '.jpeg')) return `${base}${cleaned.slice(dot)}`
  return `${base}${ext}`
}
