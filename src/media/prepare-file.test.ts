import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import sharp from 'sharp'
import exifr from 'exifr'
import { prepareFile, DEFAULT_PREPARE_OPTIONS } from './prepare-file'
import { EncodeUnavailableError, type EncodeRequest, type EncodeResult } from './canvas-encode'
import type { PhotoEncoder } from './photo-encoder'

const GPS = { GPSLatitudeRef: 'N', GPSLatitude: '31/1 14/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '121/1 28/1 0/1' }

async function cameraJpeg(orientation = 6, size = { width: 400, height: 300 }): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { ...size, channels: 3, background: { r: 10, g: 120, b: 200 } } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation })
      .withExifMerge({ IFD3: GPS })
      .toBuffer(),
  )
}

function file(bytes: Uint8Array, name: string, type = ''): File {
  return new File([new Uint8Array(bytes)], name, { type })
}

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer())
}

/** An encoder standing in for the canvas (which happy-dom lacks); it records what it was asked. */
function fakeEncoder(result: (req: EncodeRequest) => EncodeResult): PhotoEncoder & { calls: EncodeRequest[] } {
  const calls: EncodeRequest[] = []
  return { calls, encode: async (req) => (calls.push(req), result(req)) }
}

const unavailable: PhotoEncoder = {
  encode: async () => {
    throw new EncodeUnavailableError('no canvas')
  },
}

// A minimal HEIC header (ftyp box, major brand "heic") is all detection looks at.
function heicBytes(): Uint8Array {
  const box = new Uint8Array(64)
  box.set([0, 0, 0, 24], 0)
  box.set(new TextEncoder().encode('ftypheic'), 4)
  box.set(new TextEncoder().encode('mif1heic'), 16)
  return box
}

describe('prepareFile', () => {
  it('original mode: no re-encode, GPS removed, orientation kept', async () => {
    const input = await cameraJpeg(6)
    const encoder = fakeEncoder(() => {
      throw new Error('must not re-encode')
    })
    const out = await prepareFile(file(input, 'IMG_0001.JPG', 'image/jpeg'), { ...DEFAULT_PREPARE_OPTIONS, original: true }, { encoder })
    expect(out).toMatchObject({ name: 'IMG_0001.JPG', mediaType: 'image/jpeg', kind: 'image', originalSize: input.length, notice: null })
    const tags = await exifr.parse(await bytesOf(out.blob), { gps: true, translateValues: false })
    expect(tags).toEqual({ Orientation: 6 })
  })

  it('default mode hands the encoder the orientation and stored size, and sends its smaller JPEG', async () => {
    const input = await cameraJpeg(6)
    const small = new Blob([new Uint8Array(100)], { type: 'image/jpeg' })
    const encoder = fakeEncoder(() => ({ blob: small, width: 300, height: 400, resized: false }))
    const out = await prepareFile(file(input, 'IMG_0002.jpeg'), DEFAULT_PREPARE_OPTIONS, { encoder })
    expect(encoder.calls[0]).toMatchObject({
      maxEdge: 2560,
      quality: 0.85,
      outputType: 'image/jpeg',
      orientation: 6,
      sourceWidth: 400,
      sourceHeight: 300,
    })
    expect(out.blob).toBe(small)
    expect(out).toMatchObject({ name: 'IMG_0002.jpeg', mediaType: 'image/jpeg', originalSize: input.length })
  })

  it('sends the stripped original when re-encoding would not shrink an upright photo', async () => {
    const input = await cameraJpeg(1)
    const bigger = new Blob([new Uint8Array(input.length + 10)], { type: 'image/jpeg' })
    const out = await prepareFile(file(input, 'a.jpg'), DEFAULT_PREPARE_OPTIONS, {
      encoder: fakeEncoder(() => ({ blob: bigger, width: 400, height: 300, resized: false })),
    })
    expect(out.blob).not.toBe(bigger)
    expect(out.blob.size).toBeLessThan(input.length)
    expect(await exifr.parse(await bytesOf(out.blob), { gps: true })).toBeUndefined()
  })

  it('keeps the re-encoded photo when it had to be rotated even if it is larger', async () => {
    const input = await cameraJpeg(6)
    const bigger = new Blob([new Uint8Array(input.length + 10)], { type: 'image/jpeg' })
    const out = await prepareFile(file(input, 'a.jpg'), DEFAULT_PREPARE_OPTIONS, {
      encoder: fakeEncoder(() => ({ blob: bigger, width: 300, height: 400, resized: false })),
    })
    expect(out.blob).toBe(bigger)
  })

  it('falls back to the stripped original, and says so, when the device cannot re-encode', async () => {
    const input = await cameraJpeg(6)
    const out = await prepareFile(file(input, 'b.jpg'), DEFAULT_PREPARE_OPTIONS, { encoder: unavailable })
    expect(out.notice).toBe('not_compressed')
    expect(await exifr.parse(await bytesOf(out.blob), { gps: true, translateValues: false })).toEqual({ Orientation: 6 })
  })

  it('re-encodes a transparent PNG as PNG, and gives a nameless photo an explicit name', async () => {
    const png = new Uint8Array(
      await sharp({ create: { width: 50, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } })
        .png()
        .toBuffer(),
    )
    const encoder = fakeEncoder(() => ({
      blob: new Blob([new Uint8Array(10)], { type: 'image/png' }),
      width: 50,
      height: 40,
      resized: false,
    }))
    const out = await prepareFile(file(png, ''), DEFAULT_PREPARE_OPTIONS, { encoder })
    expect(encoder.calls[0]?.outputType).toBe('image/png')
    expect(out).toMatchObject({ name: 'photo.png', mediaType: 'image/png', kind: 'image' })
  })

  it('names by the bytes, not by the extension the webview gave', async () => {
    const input = await cameraJpeg(1)
    const out = await prepareFile(file(input, 'scan.png', 'image/png'), { ...DEFAULT_PREPARE_OPTIONS, original: true })
    expect(out).toMatchObject({ name: 'scan.jpg', mediaType: 'image/jpeg' })
  })

  it('sends non-images byte for byte as files', async () => {
    const pdf = new TextEncoder().encode('%PDF-1.7\n%…\n')
    const f = file(pdf, 'report.pdf', 'application/pdf')
    const out = await prepareFile(f, DEFAULT_PREPARE_OPTIONS, { encoder: unavailable })
    expect(out).toMatchObject({ blob: f, name: 'report.pdf', mediaType: 'application/pdf', kind: 'file', notice: null })
  })

  it('converts HEIC with the JS converter when the browser cannot decode it', async () => {
    const jpeg = await cameraJpeg(1)
    const convertHeic = vi.fn(async () => new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }))
    const encoder = fakeEncoder((req) => {
      if (req.blob.type !== 'image/jpeg') throw new EncodeUnavailableError('cannot decode HEIC')
      return { blob: new Blob([new Uint8Array(20)], { type: 'image/jpeg' }), width: 400, height: 300, resized: false }
    })
    const out = await prepareFile(file(heicBytes(), 'IMG_0003.HEIC', 'image/heic'), DEFAULT_PREPARE_OPTIONS, { encoder, convertHeic })
    expect(convertHeic).toHaveBeenCalledOnce()
    expect(out).toMatchObject({ name: 'IMG_0003.jpg', mediaType: 'image/jpeg', kind: 'image', notice: null })
  })

  it('keeps when a real HEIC photo was taken (made by heif-enc), though the converted JPEG has no EXIF', async () => {
    const heic = readFileSync(join(process.cwd(), 'src/media/fixtures/taken-2026-12-01T1403+0900.heic'))
    const bare = await sharp({ create: { width: 64, height: 48, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer()
    const encoder = fakeEncoder((req) => {
      if (req.blob.type !== 'image/jpeg') throw new EncodeUnavailableError('cannot decode HEIC')
      return { blob: new Blob([new Uint8Array(20)], { type: 'image/jpeg' }), width: 64, height: 48, resized: false }
    })
    const out = await prepareFile(file(new Uint8Array(heic), 'IMG_0005.HEIC', 'image/heic'), DEFAULT_PREPARE_OPTIONS, {
      encoder,
      convertHeic: async () => new Blob([new Uint8Array(bare)], { type: 'image/jpeg' }),
    })
    expect(out).toMatchObject({ name: 'IMG_0005.jpg', kind: 'image' })
    expect(out.takenAt).toEqual({ year: 2026, month: 12, day: 1, hour: 14, minute: 3, offsetMinutes: 540 })
  })

  it('attaches HEIC as a file, and says so, when it cannot be converted', async () => {
    const f = file(heicBytes(), 'IMG_0004.HEIC', '')
    const out = await prepareFile(f, DEFAULT_PREPARE_OPTIONS, {
      encoder: unavailable,
      convertHeic: async () => {
        throw new Error('libheif failed')
      },
    })
    expect(out).toMatchObject({ blob: f, name: 'IMG_0004.HEIC', mediaType: 'image/heic', kind: 'file', notice: 'heic_as_file' })
  })

  it('gives up on a HEIC converter that never answers and attaches the file', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const pending = prepareFile(file(heicBytes(), 'IMG_0005.heic'), DEFAULT_PREPARE_OPTIONS, {
        encoder: unavailable,
        convertHeic: () => new Promise(() => undefined),
      })
      await vi.advanceTimersByTimeAsync(90_000)
      expect(await pending).toMatchObject({ kind: 'file', notice: 'heic_as_file', name: 'IMG_0005.heic' })
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('prepareFile: when the photo was taken', () => {
  it('keeps the capture time from the original while the sent bytes lose it and the location', async () => {
    const input = new Uint8Array(
      await sharp({ create: { width: 400, height: 300, channels: 3, background: 'green' } })
        .jpeg()
        .withExifMerge({ IFD2: { DateTimeOriginal: '2026:12:01 14:03:27', OffsetTimeOriginal: '+08:00' }, IFD3: GPS })
        .toBuffer(),
    )
    const out = await prepareFile(file(input, 'IMG_0002.JPG', 'image/jpeg'), { ...DEFAULT_PREPARE_OPTIONS, original: true })
    expect(out.takenAt).toEqual({ year: 2026, month: 12, day: 1, hour: 14, minute: 3, offsetMinutes: 480 })
    const sent = await exifr.parse(await bytesOf(out.blob), { gps: true, exif: true, translateValues: false })
    expect(sent?.DateTimeOriginal).toBeUndefined()
    expect(sent?.latitude).toBeUndefined()
  })

  it('has no capture time for a photo without EXIF', async () => {
    const plain = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } })
        .jpeg()
        .toBuffer(),
    )
    const out = await prepareFile(file(plain, 'plain.jpg', 'image/jpeg'), { ...DEFAULT_PREPARE_OPTIONS, original: true })
    expect(out.takenAt).toBeNull()
  })
})
