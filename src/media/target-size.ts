/**
 * Output size of a re-encoded photo, computed from the numbers in the file header (JPEG SOF size
 * and EXIF orientation) before any pixel is decoded, so the decoder can be asked for that size
 * directly (createImageBitmap resize options) instead of materialising the full 12 MP bitmap.
 */

export interface PixelSize {
  width: number
  height: number
}

export interface TargetSize extends PixelSize {
  /** The long edge is reduced (the output is smaller than the upright source). */
  resized: boolean
}

/**
 * The size as shown (after EXIF orientation): orientations 5–8 turn the image by 90°, so width and
 * height swap. EXIF 2.3 Table 6 (Orientation); values outside 1–8 count as 1.
 */
export function uprightSize(stored: PixelSize, orientation: number): PixelSize {
  const turns = orientation >= 5 && orientation <= 8
  return turns ? { width: stored.height, height: stored.width } : { width: stored.width, height: stored.height }
}

/**
 * The largest canvas (width × height) iOS WebKit draws: beyond 16,777,216 pixels it yields a blank
 * or failing canvas, so no canvas is ever made larger, whatever the engine (a 48 MP photo in
 * "original" mode is scaled to fit; the default 2560 px long edge is far below).
 */
export const MAX_CANVAS_AREA = 16_777_216

/**
 * Scales an upright size so its long edge is at most `maxEdge` (never enlarges) and its area at
 * most MAX_CANVAS_AREA, keeping the aspect ratio; each side is rounded to whole pixels and at
 * least 1. `maxEdge` Infinity keeps the size, up to that area.
 */
export function fitLongEdge(upright: PixelSize, maxEdge: number): TargetSize {
  const areaScale = Math.sqrt(MAX_CANVAS_AREA / (upright.width * upright.height))
  const scale = Math.min(1, maxEdge / Math.max(upright.width, upright.height), areaScale)
  // Rounded down when the area is the limit, so rounding cannot step over it.
  const round = scale === areaScale ? Math.floor : Math.round
  return {
    width: Math.max(1, round(upright.width * scale)),
    height: Math.max(1, round(upright.height * scale)),
    resized: scale < 1,
  }
}

/**
 * The upright output size for a photo whose stored size and orientation come from its header, or
 * null when the header did not give a usable size (the caller then decodes fully and measures).
 */
export function targetSizeFromHeader(stored: Partial<PixelSize>, orientation: number, maxEdge: number): TargetSize | null {
  const { width, height } = stored
  if (!width || !height || width < 1 || height < 1) return null
  return fitLongEdge(uprightSize({ width, height }, orientation), maxEdge)
}
