import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { readJpegTakenAt, readTakenAt } from './taken-at'

/** A camera-like JPEG with the given EXIF sub-IFD (and GPS, which must never be read). */
async function jpegWith(exif: Record<string, string> | null): Promise<Uint8Array> {
  let img = sharp({ create: { width: 64, height: 48, channels: 3, background: 'red' } }).jpeg()
  if (exif) img = img.withExifMerge({ IFD0: { Make: 'TestCam' }, IFD2: exif, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '31/1 14/1 0/1' } })
  return new Uint8Array(await img.toBuffer())
}

const blobOf = (bytes: Uint8Array) => new Blob([new Uint8Array(bytes)])

describe('readTakenAt', () => {
  it('reads DateTimeOriginal and OffsetTimeOriginal from a JPEG', async () => {
    const jpeg = await jpegWith({ DateTimeOriginal: '2026:12:01 14:03:27', OffsetTimeOriginal: '+08:00' })
    expect(await readTakenAt(blobOf(jpeg))).toEqual({ year: 2026, month: 12, day: 1, hour: 14, minute: 3, offsetMinutes: 480 })
  })

  it('reads a negative offset, and none when the camera wrote none', async () => {
    const west = await jpegWith({ DateTimeOriginal: '2026:07:04 09:30:00', OffsetTimeOriginal: '-03:30' })
    expect((await readTakenAt(blobOf(west)))?.offsetMinutes).toBe(-210)
    const plain = await jpegWith({ DateTimeOriginal: '2026:07:04 09:30:00' })
    expect(await readTakenAt(blobOf(plain))).toEqual({ year: 2026, month: 7, day: 4, hour: 9, minute: 30, offsetMinutes: null })
  })

  it('reads the Exif item of a HEIC photo (made by libheif’s heif-enc from a JPEG with EXIF)', async () => {
    const heic = readFileSync(join(process.cwd(), 'src/media/fixtures/taken-2026-12-01T1403+0900.heic'))
    expect(await readTakenAt(blobOf(heic))).toEqual({ year: 2026, month: 12, day: 1, hour: 14, minute: 3, offsetMinutes: 540 })
  })

  it('is null without EXIF, with an unset camera clock, and for other files', async () => {
    expect(await readTakenAt(blobOf(await jpegWith(null)))).toBeNull()
    expect(readJpegTakenAt(await jpegWith({ DateTimeOriginal: '0000:00:00 00:00:00' }))).toBeNull()
    expect(await readTakenAt(new Blob(['%PDF-1.7 not a photo']))).toBeNull()
    expect(await readTakenAt(new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0x00])]))).toBeNull()
  })
})
