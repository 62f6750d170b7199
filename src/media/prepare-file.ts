/**
 * Turns a picked File into what we upload (docs/architecture.md, step 4).
 *
 * Decisions, in order:
 * - The type is judged from the bytes (docs/dingtalk.md#jsapi: names and types from the webview lie).
 *   Anything that is not JPEG/PNG/GIF/WebP/HEIC/HEIF goes as a file, byte for byte.
 * - GIF goes as is: re-encoding would lose animation, and GIF has no EXIF/GPS.
 * - Default mode: decode with EXIF orientation applied, downscale the long edge to `maxEdge`
 *   (2560 px), re-encode. Output is JPEG (quality 0.85) unless the source may be transparent
 *   (PNG with alpha/tRNS, WebP with alpha), which becomes PNG so transparency survives.
 *   Re-encoding writes no metadata, so GPS is gone. If the result is not smaller and nothing had to
 *   be resized or rotated, the original bytes are sent instead, with location metadata stripped.
 * - "Original" mode: no re-encode; metadata stripped byte-wise, orientation kept as a minimal EXIF.
 * - HEIC/HEIF: the browser decodes it when it can (Safari); else heic2any (lazy chunk) converts to
 *   JPEG; if both fail the HEIC goes as a file and the item says so.
 * - If this device cannot decode/draw the image at all, the original is sent with metadata stripped
 *   and the item says it was not compressed.
 * Every result has an explicit file name whose extension matches the bytes.
 */
import { detectImageType, fileNameFor, mayHaveAlpha, type ImageType } from './image-format'
import { JpegFormatError, readJpegMetadata } from './jpeg-metadata'
import { stripLocationMetadata } from './metadata-strip'
import { EncodeUnavailableError, type EncodeOutputType } from './canvas-encode'
import { photoEncoder, type PhotoEncoder } from './photo-encoder'
import { readTakenAt, type TakenAt } from './taken-at'

export interface PrepareOptions {
  /** Send photos at full size without re-encoding (metadata is still removed). */
  original: boolean
  /** Longest edge in px for re-encoded photos. */
  maxEdge: number
  /** JPEG quality 0–1 for re-encoded photos. */
  quality: number
}

export const DEFAULT_PREPARE_OPTIONS: PrepareOptions = { original: false, maxEdge: 2560, quality: 0.85 }

/**
 * Why a result differs from what the person might expect; shown on the item.
 * - heic_as_file: the HEIC photo could not be converted and is attached as a file (location kept inside it).
 * - not_compressed: this device could not re-encode the photo; it goes at full size, metadata removed.
 */
export type PrepareNotice = 'heic_as_file' | 'not_compressed'

export interface PreparedFile {
  blob: Blob
  name: string
  mediaType: string
  /** What we expect the server to make of it (the server decides from the bytes). */
  kind: 'image' | 'file'
  originalSize: number
  notice: PrepareNotice | null
  /** When the photo was taken, read from the original before its metadata was removed (JPEG, HEIC). */
  takenAt?: TakenAt | null
}

/** Converts HEIC/HEIF bytes to a JPEG blob; throws when it cannot. */
export type HeicConverter = (blob: Blob, quality: number) => Promise<Blob>

export interface PrepareDeps {
  encoder?: PhotoEncoder
  convertHeic?: HeicConverter
}

/** heic2any is ~1 MB of libheif; it is only fetched for a HEIC the browser cannot decode itself. */
const heic2anyConverter: HeicConverter = async (blob, quality) => {
  const { default: heic2any } = await import('heic2any')
  const out = await heic2any({ blob, toType: 'image/jpeg', quality })
  const first = Array.isArray(out) ? out[0] : out
  if (!first) throw new Error('heic2any returned nothing')
  return first
}

const HEAD_BYTES = 64
/** libheif in JS needs a few seconds for a 12 MP photo on a phone; far beyond that it is stuck. */
const HEIC_TIMEOUT_MS = 90_000

function bytesToBlob(bytes: Uint8Array, type: string): Blob {
  // Copy into a fresh ArrayBuffer-backed view (Blob parts must not be SharedArrayBuffer-backed).
  return new Blob([new Uint8Array(bytes)], { type })
}

/** Picked files' names and types as the webview gave them; `file.name` may be empty. */
function asFile(file: File, mediaType: string, notice: PrepareNotice | null = null): PreparedFile {
  return {
    blob: file,
    name: fileNameFor(file.name, mediaType),
    mediaType,
    kind: 'file',
    originalSize: file.size,
    notice,
  }
}

function asImage(blob: Blob, originalName: string, mediaType: string, originalSize: number, notice: PrepareNotice | null): PreparedFile {
  return { blob, name: fileNameFor(originalName, mediaType, 'photo'), mediaType, kind: 'image', originalSize, notice }
}

/**
 * Prepares one picked file for upload (see the decisions at the top of this file).
 * Never throws for bad image data: anything it cannot handle is sent as it came, and the server
 * judges it.
 */
export async function prepareFile(
  file: File,
  options: PrepareOptions = DEFAULT_PREPARE_OPTIONS,
  deps: PrepareDeps = {},
): Promise<PreparedFile> {
  const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer())
  const type = detectImageType(head)
  if (!type) return asFile(file, file.type || 'application/octet-stream')
  if (type === 'image/gif') return asImage(file, file.name, type, file.size, null)
  // Read before preparation removes the metadata; only the capture time leaves this step, never the location.
  const takenAt = await readTakenAt(file)

  const encoder = deps.encoder ?? photoEncoder()
  if (type === 'image/heic' || type === 'image/heif')
    return { ...(await prepareHeic(file, type, options, encoder, deps.convertHeic ?? heic2anyConverter)), takenAt }

  // Only the header is read on the main thread (size, orientation, alpha); the whole file only when it
  // is sent without re-encoding. 200 photos read whole would be 800 MB of garbage for the page's GC.
  const source = file.slice(0, file.size, type)
  const bytes = await readHead(source)
  return { ...(await prepareDecodable(bytes, source, file.name, type, file.size, options, encoder)), takenAt }
}

/** Bytes of a JPEG's header read for its metadata; a header longer than this is read whole. */
const METADATA_BYTES = 256 * 1024

/** The file's first bytes, and a way to all of them (read once, when needed). */
interface ImageBytes {
  head: Uint8Array
  all(): Promise<Uint8Array>
}

async function readHead(source: Blob): Promise<ImageBytes> {
  const head = new Uint8Array(await source.slice(0, METADATA_BYTES).arrayBuffer())
  let all: Promise<Uint8Array> | null = null
  return {
    head,
    all: () => (all ??= head.length === source.size ? Promise.resolve(head) : source.arrayBuffer().then((b) => new Uint8Array(b))),
  }
}

/** The JPEG's metadata from its header, or from the whole file when the header runs past the first bytes read. */
async function jpegMetadata(bytes: ImageBytes): Promise<ReturnType<typeof readJpegMetadata>> {
  try {
    return readJpegMetadata(bytes.head)
  } catch (err) {
    if (!(err instanceof JpegFormatError)) throw err
    const all = await bytes.all()
    if (all === bytes.head) throw err
    return readJpegMetadata(all)
  }
}

/**
 * @param bytes the image's header (metadata) and, on demand, all of it (stripping when it is sent without re-encoding).
 * @param source the same bytes as a Blob, handed to the encoder (a worker receives it without copying).
 */
async function prepareDecodable(
  bytes: ImageBytes,
  source: Blob,
  name: string,
  type: ImageType,
  originalSize: number,
  options: PrepareOptions,
  encoder: PhotoEncoder,
): Promise<PreparedFile> {
  let orientation = 1
  let sourceWidth: number | undefined
  let sourceHeight: number | undefined
  if (type === 'image/jpeg') {
    try {
      const meta = await jpegMetadata(bytes)
      orientation = meta.orientation
      sourceWidth = meta.width
      sourceHeight = meta.height
    } catch (err) {
      if (!(err instanceof JpegFormatError)) throw err
      // A damaged JPEG: let the server judge the bytes as they are.
      return asImage(bytesToBlob(await bytes.all(), type), name, type, originalSize, null)
    }
  }

  const strippedOriginal = async (notice: PrepareNotice | null): Promise<PreparedFile> => {
    const all = await bytes.all()
    let stripped: Uint8Array | null = null
    try {
      stripped = stripLocationMetadata(all, type, orientation)
    } catch (err) {
      if (!(err instanceof JpegFormatError)) throw err
    }
    return asImage(bytesToBlob(stripped ?? all, type), name, type, originalSize, notice)
  }

  if (options.original) return strippedOriginal(null)

  // A PNG's transparency may be declared in any chunk before its pixels: read it whole (PNGs are rare here).
  const outputType: EncodeOutputType = mayHaveAlpha(type === 'image/png' ? await bytes.all() : bytes.head, type)
    ? 'image/png'
    : 'image/jpeg'
  try {
    const encoded = await encoder.encode({
      blob: source,
      maxEdge: options.maxEdge,
      quality: options.quality,
      outputType,
      orientation,
      sourceWidth,
      sourceHeight,
    })
    if (!encoded.resized && orientation === 1 && encoded.blob.size >= originalSize) return strippedOriginal(null)
    return asImage(encoded.blob, name, encoded.blob.type || outputType, originalSize, null)
  } catch (err) {
    if (!(err instanceof EncodeUnavailableError)) throw err
    return strippedOriginal('not_compressed')
  }
}

async function prepareHeic(
  file: File,
  type: 'image/heic' | 'image/heif',
  options: PrepareOptions,
  encoder: PhotoEncoder,
  convertHeic: HeicConverter,
): Promise<PreparedFile> {
  const maxEdge = options.original ? Infinity : options.maxEdge
  // HEIC stores rotation as irot/imir boxes that decoders apply, so orientation 1 is right here.
  try {
    const encoded = await encoder.encode({ blob: file, maxEdge, quality: options.quality, outputType: 'image/jpeg', orientation: 1 })
    return asImage(encoded.blob, file.name, 'image/jpeg', file.size, null)
  } catch {
    // The browser cannot decode HEIC (everything but Safari): convert in JS below.
  }
  let jpeg: Blob
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    // A converter that never answers must not hold up the photos queued behind this one.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('HEIC conversion timed out')), HEIC_TIMEOUT_MS)
    })
    jpeg = await Promise.race([convertHeic(file, options.quality), timeout])
  } catch {
    return asFile(file, type, 'heic_as_file')
  } finally {
    clearTimeout(timer)
  }
  const converted = jpeg.slice(0, jpeg.size, 'image/jpeg')
  return prepareDecodable(await readHead(converted), converted, file.name, 'image/jpeg', file.size, options, encoder)
}
