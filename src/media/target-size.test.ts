import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { readJpegMetadata } from './jpeg-metadata'
import { fitLongEdge, MAX_CANVAS_AREA, targetSizeFromHeader, uprightSize } from './target-size'

/** A real camera-sized JPEG as sharp writes it (baseline or progressive), with an EXIF orientation. */
async function jpeg(width: number, height: number, orientation: number, progressive = false): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 140, b: 60 } } })
      .jpeg({ quality: 80, progressive })
      .withMetadata({ orientation })
      .toBuffer(),
  )
}

describe('output size from the JPEG header', () => {
  it('a 4000×3000 phone photo turned by EXIF 6 becomes a 1920×2560 portrait (SOF size + orientation)', async () => {
    const meta = readJpegMetadata(await jpeg(4000, 3000, 6))
    expect(meta).toMatchObject({ width: 4000, height: 3000, orientation: 6 })
    expect(targetSizeFromHeader(meta, meta.orientation, 2560)).toEqual({ width: 1920, height: 2560, resized: true })
  })

  it('reads the frame size of a progressive JPEG (SOF2) too', async () => {
    const meta = readJpegMetadata(await jpeg(3024, 4032, 1, true))
    expect(meta).toMatchObject({ width: 3024, height: 4032, orientation: 1 })
    expect(targetSizeFromHeader(meta, meta.orientation, 2560)).toEqual({ width: 1920, height: 2560, resized: true })
  })

  it('keeps the aspect ratio of an odd size, rounding each side', async () => {
    const meta = readJpegMetadata(await jpeg(4032, 1816, 8))
    // Upright 1816×4032; 2560/4032 scales 1816 to 1153.0…
    expect(targetSizeFromHeader(meta, meta.orientation, 2560)).toEqual({ width: 1153, height: 2560, resized: true })
  })

  it('never enlarges a photo already within the long edge', async () => {
    const meta = readJpegMetadata(await jpeg(1200, 900, 6))
    expect(targetSizeFromHeader(meta, meta.orientation, 2560)).toEqual({ width: 900, height: 1200, resized: false })
  })

  it('gives no size when the header has none (the caller then decodes fully)', () => {
    expect(targetSizeFromHeader({}, 6, 2560)).toBeNull()
    expect(targetSizeFromHeader({ width: 4000, height: 0 }, 1, 2560)).toBeNull()
  })
})

describe('uprightSize and fitLongEdge', () => {
  it('swaps width and height only for the 90° orientations 5–8', () => {
    for (const o of [1, 2, 3, 4, 0, 9]) expect(uprightSize({ width: 40, height: 30 }, o)).toEqual({ width: 40, height: 30 })
    for (const o of [5, 6, 7, 8]) expect(uprightSize({ width: 40, height: 30 }, o)).toEqual({ width: 30, height: 40 })
  })

  it('keeps the size with an unlimited edge and never rounds a side to 0', () => {
    expect(fitLongEdge({ width: 4000, height: 3000 }, Infinity)).toEqual({ width: 4000, height: 3000, resized: false })
    expect(fitLongEdge({ width: 10000, height: 1 }, 2560)).toEqual({ width: 2560, height: 1, resized: true })
  })
})

describe('the canvas area limit (iOS WebKit: 16,777,216 pixels)', () => {
  it('scales a 48 MP photo kept at full size down to fit, and leaves 12 MP and the default output alone', () => {
    const full48 = fitLongEdge({ width: 8000, height: 6000 }, Infinity)
    expect(full48.width * full48.height).toBeLessThanOrEqual(MAX_CANVAS_AREA)
    expect(full48.width / full48.height).toBeCloseTo(4 / 3, 2)
    expect(full48.resized).toBe(true)
    expect(fitLongEdge({ width: 4000, height: 3000 }, Infinity)).toEqual({ width: 4000, height: 3000, resized: false })
    expect(fitLongEdge({ width: 8000, height: 6000 }, 2560)).toEqual({ width: 2560, height: 1920, resized: true })
    const panorama = fitLongEdge({ width: 30000, height: 4000 }, Infinity)
    expect(panorama.width * panorama.height).toBeLessThanOrEqual(MAX_CANVAS_AREA)
  })
})
