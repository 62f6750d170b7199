/**
 * Decode → orient → downscale → re-encode with a canvas. Runs inside the photo worker
 * (OffscreenCanvas) or, where workers cannot draw, on the main thread (HTMLCanvasElement).
 * Re-encoding writes no metadata at all, so EXIF (GPS included), XMP and IPTC are gone.
 */

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
type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D

/** Whether this global scope can decode and draw off the DOM (a worker can then do the work). */
export function offscreenSupported(): boolean {
  return typeof OffscreenCanvas === 'function' && typeof createImageBitmap === 'function'
}

async function decode(blob: Blob): Promise<{ source: Drawable; width: number; height: number; close(): void }> {
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

function makeCanvas(width: number, height: number): { ctx: Canvas2D; toBlob(type: string, quality: number): Promise<Blob> } {
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
 * Decodes `req.blob`, makes it upright, scales the long edge down to `req.maxEdge` and encodes it
 * as `req.outputType`. Transparent areas become white in JPEG output (not black).
 * @throws EncodeUnavailableError when this environment cannot decode or draw the image.
 */
export async function encodeImage(req: EncodeRequest): Promise<EncodeResult> {
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
    const uprightW = notApplied ? decoded.height : decoded.width
    const uprightH = notApplied ? decoded.width : decoded.height
    const scale = Math.min(1, req.maxEdge / Math.max(uprightW, uprightH))
    const width = Math.max(1, Math.round(uprightW * scale))
    const height = Math.max(1, Math.round(uprightH * scale))
    const { ctx, toBlob } = makeCanvas(width, height)
    if (req.outputType === 'image/jpeg') {
      ctx.fillStyle = '#fff'
      ctx.fillRect(0, 0, width, height)
    }
    ctx.imageSmoothingEnabled = true
    ctx.imageSmoothingQuality = 'high'
    if (notApplied) {
      orient(ctx, req.orientation, height, width)
      ctx.drawImage(decoded.source, 0, 0, height, width)
    } else {
      ctx.drawImage(decoded.source, 0, 0, width, height)
    }
    const blob = await toBlob(req.outputType, req.quality)
    return { blob, width, height, resized: scale < 1 }
  } finally {
    decoded.close()
  }
}
