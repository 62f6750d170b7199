/**
 * Decode → orient → downscale → re-encode with a canvas. Runs inside the photo worker
 * (OffscreenCanvas) or, where workers cannot draw, on the main thread (HTMLCanvasElement).
 * Re-encoding writes no metadata at all, so EXIF (GPS included), XMP and IPTC are gone.
 *
 * When the header gave the size (JPEG SOF + EXIF orientation), the decoder is asked for the output
 * size directly (createImageBitmap resizeWidth/resizeHeight, HTML §8.10): no full-size 12 MP bitmap
 * (48 MB) is kept and drawn, and the canvas only copies pixels. Browsers that lack resize options,
 * or apply them before the EXIF orientation (a squashed, sideways photo), are caught by a one-time
 * probe and get the full decode + drawImage path.
 */
import { fitLongEdge, targetSizeFromHeader, type TargetSize } from './target-size'

export type EncodeOutputType = 'image/jpeg' | 'image/png'

export interface EncodeRequest {
  blob: Blob
  /** Longest edge of the result in px; Infinity keeps the size. */
  maxEdge: number
  /** JPEG quality 0–1. */
  quality: number
  outputType: EncodeOutputType
  /** EXIF orientation read from the bytes (1 when unknown), to check the browser applied it. */
  orientation: number
  /** Stored (pre-orientation) pixel size from the bytes, when known. */
  sourceWidth?: number
  sourceHeight?: number
}

export interface EncodeResult {
  blob: Blob
  width: number
  height: number
  /** The long edge was reduced. */
  resized: boolean
}

/** The browser cannot decode or draw this image here; the caller picks another way. */
export class EncodeUnavailableError extends Error {
  override name = 'EncodeUnavailableError'
}

type Drawable = ImageBitmap | HTMLImageElement
export type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D

/** Whether this global scope can decode and draw off the DOM (a worker can then do the work). */
export function offscreenSupported(): boolean {
  return typeof OffscreenCanvas === 'function' && typeof createImageBitmap === 'function'
}

export async function decode(blob: Blob): Promise<{ source: Drawable; width: number; height: number; close(): void }> {
  if (typeof createImageBitmap === 'function') {
    try {
      // 'from-image' applies the EXIF orientation while decoding (HTML §8.10 createImageBitmap).
      const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' })
      return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() }
    } catch (err) {
      if (typeof document === 'undefined') throw new EncodeUnavailableError(`cannot decode: ${String(err)}`)
    }
  }
  if (typeof document === 'undefined' || typeof Image !== 'function') throw new EncodeUnavailableError('no image decoder')
  const url = URL.createObjectURL(blob)
  try {
    const img = new Image()
    img.src = url
    await img.decode()
    if (!img.naturalWidth) throw new EncodeUnavailableError('image decoded to nothing')
    return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => undefined }
  } catch (err) {
    throw err instanceof EncodeUnavailableError ? err : new EncodeUnavailableError(`cannot decode: ${String(err)}`)
  } finally {
    URL.revokeObjectURL(url)
  }
}

export function makeCanvas(width: number, height: number): { ctx: Canvas2D; toBlob(type: string, quality: number): Promise<Blob> } {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height)
    const ctx = canvas.getContext('2d')
    if (ctx) return { ctx, toBlob: (type, quality) => canvas.convertToBlob({ type, quality }) }
  }
  if (typeof document === 'undefined') throw new EncodeUnavailableError('no 2d canvas')
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new EncodeUnavailableError('no 2d canvas')
  return {
    ctx,
    toBlob: (type, quality) =>
      new Promise((resolve, reject) =>
        canvas.toBlob((b) => (b ? resolve(b) : reject(new EncodeUnavailableError('canvas produced no blob'))), type, quality),
      ),
  }
}

/**
 * Sets the transform that draws a stored image (w×h after scaling, pre-orientation) upright.
 * Only used when the browser did not apply EXIF orientation itself. EXIF 2.3 Table 6 (Orientation).
 */
function orient(ctx: Canvas2D, orientation: number, w: number, h: number): void {
  const transforms: Record<number, [number, number, number, number, number, number]> = {
    2: [-1, 0, 0, 1, w, 0],
    3: [-1, 0, 0, -1, w, h],
    4: [1, 0, 0, -1, 0, h],
    5: [0, 1, 1, 0, 0, 0],
    6: [0, 1, -1, 0, h, 0],
    7: [0, -1, -1, 0, h, w],
    8: [0, -1, 1, 0, 0, w],
  }
  const t = transforms[orientation]
  if (t) ctx.transform(...t)
}

/**
 * A 16×8 JPEG stored with its left half black and right half white, EXIF orientation 6 (turn 90°
 * clockwise to view): shown upright it is 8×16, black on top, white below. Made with sharp + our
 * minimalExifSegment(6).
 */
const ORIENTATION_PROBE_JPEG =
  '/9j/4QAiRXhpZgAATU0AKgAAAAgAAQESAAMAAAABAAYAAAAAAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/2wBDAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAARCAAIABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAv/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AJ/6/wAAD//Z'

function resizeOptions(size: TargetSize): ImageBitmapOptions {
  // 'from-image' applies the EXIF orientation; resizeWidth/Height are the upright output size.
  return { imageOrientation: 'from-image', resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'high' }
}

/**
 * Whether createImageBitmap here honours resize options AND applies EXIF orientation before
 * resizing, checked on real pixels of the probe JPEG: a browser that ignores resize options, or
 * resizes the stored (sideways) image and turns it afterwards, fails the check.
 */
async function probeResizeDecode(): Promise<boolean> {
  try {
    const bytes = Uint8Array.from(atob(ORIENTATION_PROBE_JPEG), (c) => c.charCodeAt(0))
    // eslint-disable-next-line compat/compat -- only called where `typeof createImageBitmap === 'function'` (resizeDecodeWorks)
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }), resizeOptions({ width: 4, height: 8, resized: true }))
    try {
      if (bitmap.width !== 4 || bitmap.height !== 8) return false
      const { ctx } = makeCanvas(4, 8)
      ctx.drawImage(bitmap, 0, 0)
      const px = ctx.getImageData(0, 0, 4, 8).data
      const red = (x: number, y: number) => px[(y * 4 + x) * 4] ?? 0
      return red(2, 1) < 64 && red(2, 6) > 192
    } finally {
      bitmap.close()
    }
  } catch {
    return false
  }
}

let resizeDecodeProbe: Promise<boolean> | null = null

function resizeDecodeWorks(): Promise<boolean> {
  resizeDecodeProbe ??= typeof createImageBitmap === 'function' ? probeResizeDecode() : Promise.resolve(false)
  return resizeDecodeProbe
}

/**
 * Runs the one-time decoder probe now (e.g. when a document is opened), so the first photo picked
 * does not wait for it.
 */
export async function warmUpEncoder(): Promise<void> {
  await resizeDecodeWorks()
}

/** Decodes straight to `size` (upright) when this browser does that right; null otherwise. */
async function decodeAtSize(blob: Blob, size: TargetSize): Promise<ImageBitmap | null> {
  if (!(await resizeDecodeWorks())) return null
  try {
    // eslint-disable-next-line compat/compat -- only reached once resizeDecodeWorks() found createImageBitmap working
    const bitmap = await createImageBitmap(blob, resizeOptions(size))
    if (bitmap.width === size.width && bitmap.height === size.height) return bitmap
    bitmap.close()
  } catch {
    // The full decode below decides whether this image can be decoded here at all.
  }
  return null
}

/** Draws `source` into a width×height canvas (white behind JPEG output) and encodes it. */
async function render(req: EncodeRequest, size: TargetSize, draw: (ctx: Canvas2D) => void): Promise<EncodeResult> {
  const { width, height } = size
  const { ctx, toBlob } = makeCanvas(width, height)
  if (req.outputType === 'image/jpeg') {
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, width, height)
  }
  ctx.imageSmoothingEnabled = true
  ctx.imageSmoothingQuality = 'high'
  draw(ctx)
  const blob = await toBlob(req.outputType, req.quality)
  return { blob, width, height, resized: size.resized }
}

/**
 * Decodes `req.blob`, makes it upright, scales the long edge down to `req.maxEdge` and encodes it
 * as `req.outputType`. Transparent areas become white in JPEG output (not black).
 * @throws EncodeUnavailableError when this environment cannot decode or draw the image.
 */
export async function encodeImage(req: EncodeRequest): Promise<EncodeResult> {
  const planned = targetSizeFromHeader({ width: req.sourceWidth, height: req.sourceHeight }, req.orientation, req.maxEdge)
  if (planned?.resized) {
    const bitmap = await decodeAtSize(req.blob, planned)
    if (bitmap) {
      try {
        return await render(req, planned, (ctx) => ctx.drawImage(bitmap, 0, 0))
      } finally {
        bitmap.close()
      }
    }
  }

  const decoded = await decode(req.blob)
  try {
    const rotates = req.orientation >= 5 && req.orientation <= 8
    // Browsers apply EXIF orientation when decoding for canvas (image-orientation: from-image is the
    // default since Chrome 81 / Safari 13.1). Where we can tell it did not (a 90° orientation whose
    // decoded size is not swapped), we rotate ourselves so no photo ends up sideways.
    const notApplied =
      rotates &&
      req.sourceWidth !== undefined &&
      req.sourceWidth !== req.sourceHeight &&
      decoded.width === req.sourceWidth &&
      decoded.height === req.sourceHeight
    const upright = notApplied ? { width: decoded.height, height: decoded.width } : { width: decoded.width, height: decoded.height }
    const size = fitLongEdge(upright, req.maxEdge)
    return await render(req, size, (ctx) => {
      if (notApplied) {
        orient(ctx, req.orientation, size.height, size.width)
        ctx.drawImage(decoded.source, 0, 0, size.height, size.width)
      } else {
        ctx.drawImage(decoded.source, 0, 0, size.width, size.height)
      }
    })
  } finally {
    decoded.close()
  }
}
