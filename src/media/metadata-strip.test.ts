import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import exifr from 'exifr'
import { stripLocationMetadata, stripPngMetadata, stripWebpMetadata } from './metadata-strip'

const GPS = { GPSLatitudeRef: 'N', GPSLatitude: '31/1 14/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '121/1 28/1 0/1' }
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,14.0N"/></rdf:RDF></x:xmpmeta>'

function base(format: 'png' | 'webp') {
  const img = sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } })
  return (format === 'png' ? img.png() : img.webp({ lossless: true })).withExifMerge({ IFD0: { Make: 'TestCam' }, IFD3: GPS }).withXmp(XMP)
}

/** What sharp (libvips) finds: EXIF and XMP blocks, and whether the EXIF holds a GPS position. */
async function metadataOf(bytes: Uint8Array) {
  const meta = await sharp(bytes).metadata()
  const gps = meta.exif ? await exifr.gps(meta.exif).catch(() => undefined) : undefined
  return { exif: meta.exif !== undefined, xmp: meta.xmp !== undefined, latitude: gps?.latitude }
}

async function pixels(bytes: Uint8Array) {
  return sharp(bytes).raw().toBuffer({ resolveWithObject: true })
}

describe('stripPngMetadata', () => {
  it('removes EXIF (with GPS) and XMP text chunks and keeps the pixels', async () => {
    const input = new Uint8Array(await base('png').toBuffer())
    const before = await metadataOf(input)
    expect(before).toMatchObject({ exif: true, xmp: true })
    expect(before.latitude).toBeCloseTo(31.233, 2)
    const out = stripPngMetadata(input)
    expect(await metadataOf(out)).toEqual({ exif: false, xmp: false, latitude: undefined })
    const [a, b] = await Promise.all([pixels(input), pixels(out)])
    expect(b.info).toMatchObject({ width: 40, height: 30, channels: 4 })
    expect(Buffer.compare(a.data, b.data)).toBe(0)
  })
})

describe('stripWebpMetadata', () => {
  it('removes EXIF and XMP chunks, clears their VP8X flags and fixes the RIFF size', async () => {
    const input = new Uint8Array(await base('webp').toBuffer())
    const before = await metadataOf(input)
    expect(before).toMatchObject({ exif: true, xmp: true })
    const out = stripWebpMetadata(input)
    expect(new DataView(out.buffer, out.byteOffset).getUint32(4, true)).toBe(out.length - 8)
    expect(out[20]! & 0x0c).toBe(0)
    expect(await metadataOf(out)).toEqual({ exif: false, xmp: false, latitude: undefined })
    const [a, b] = await Promise.all([pixels(input), pixels(out)])
    expect(Buffer.compare(a.data, b.data)).toBe(0)
  })
})

describe('stripLocationMetadata', () => {
  it('leaves GIF alone (no EXIF in GIF) and handles JPEG', async () => {
    const gif = new Uint8Array(
      await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } })
        .gif()
        .toBuffer(),
    )
    expect(stripLocationMetadata(gif, 'image/gif')).toBeNull()
    const jpeg = new Uint8Array(
      await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } })
        .jpeg()
        .withExifMerge({ IFD3: GPS })
        .toBuffer(),
    )
    expect(await exifr.gps(stripLocationMetadata(jpeg, 'image/jpeg')!).catch(() => undefined)).toBeUndefined()
  })
})
