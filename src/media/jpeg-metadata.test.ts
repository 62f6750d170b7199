import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import exifr from 'exifr'
import { JpegFormatError, minimalExifSegment, readJpegMetadata, stripJpegMetadata } from './jpeg-metadata'

const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '31/1 14/1 0/1',
  GPSLongitudeRef: 'E',
  GPSLongitude: '121/1 28/1 0/1',
}
const XMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,14.0N"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`

/** A real 400×300 camera-like JPEG: orientation 6 (rotate 90° CW to view) with GPS, optionally XMP. */
async function phoneJpeg(opts: { orientation?: number; gps?: boolean; xmp?: boolean; progressive?: boolean } = {}): Promise<Uint8Array> {
  let img = sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg({
    quality: 90,
    progressive: opts.progressive ?? false,
  })
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation })
  if (opts.gps) img = img.withExifMerge({ IFD0: { Make: 'TestCam', Model: 'Phone 1' }, IFD3: GPS })
  if (opts.xmp) img = img.withXmp(XMP)
  return new Uint8Array(await img.toBuffer())
}

describe('readJpegMetadata', () => {
  it('finds orientation 6, GPS and the frame size in a real camera-like JPEG', async () => {
    const meta = readJpegMetadata(await phoneJpeg({ orientation: 6, gps: true }))
    expect(meta).toMatchObject({ orientation: 6, hasGps: true, width: 400, height: 300 })
  })

  it('reports orientation 1 and no location for a JPEG without EXIF', async () => {
    const plain = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } })
        .jpeg()
        .toBuffer(),
    )
    expect(readJpegMetadata(plain)).toMatchObject({ orientation: 1, hasGps: false, hasXmp: false })
  })

  it('notices an XMP packet', async () => {
    expect(readJpegMetadata(await phoneJpeg({ xmp: true })).hasXmp).toBe(true)
  })

  it('rejects bytes that are not a JPEG', () => {
    expect(() => readJpegMetadata(new TextEncoder().encode('%PDF-1.7 hello'))).toThrow(JpegFormatError)
  })
})

describe('stripJpegMetadata', () => {
  it('removes GPS, camera make and XMP but keeps orientation 6 (exifr reads it back)', async () => {
    const input = await phoneJpeg({ orientation: 6, gps: true, xmp: true })
    const before = await exifr.parse(input, { gps: true, xmp: true, translateValues: false })
    expect(before.latitude).toBeCloseTo(31.2333, 3)

    const out = stripJpegMetadata(input)
    const after = await exifr.parse(out, { gps: true, xmp: true, tiff: true, translateValues: false })
    expect(after).toEqual({ Orientation: 6 })
    expect(readJpegMetadata(out)).toMatchObject({ orientation: 6, hasGps: false, hasXmp: false })
    expect(out.length).toBeLessThan(input.length)
  })

  it('keeps the pixels: the stripped file decodes to the same image', async () => {
    const input = await phoneJpeg({ orientation: 6, gps: true, progressive: true })
    const out = stripJpegMetadata(input)
    const a = await sharp(input).raw().toBuffer({ resolveWithObject: true })
    const b = await sharp(out).raw().toBuffer({ resolveWithObject: true })
    expect(b.info).toMatchObject({ width: a.info.width, height: a.info.height })
    expect(Buffer.compare(a.data, b.data)).toBe(0)
    // sharp applies our minimal EXIF orientation when asked to auto-rotate: 400×300 becomes 300×400.
    const upright = await sharp(out).rotate().toBuffer({ resolveWithObject: true })
    expect(upright.info).toMatchObject({ width: 300, height: 400 })
  })

  it('writes no EXIF at all when the photo is already upright', async () => {
    const out = stripJpegMetadata(await phoneJpeg({ gps: true }))
    expect(await exifr.parse(out, { gps: true, tiff: true })).toBeUndefined()
    expect(readJpegMetadata(out).orientation).toBe(1)
  })

  it('drops bytes after EOI (MPF trailers carry their own EXIF)', async () => {
    const input = await phoneJpeg({ orientation: 3 })
    const trailer = await phoneJpeg({ gps: true })
    const withTrailer = new Uint8Array(input.length + trailer.length)
    withTrailer.set(input)
    withTrailer.set(trailer, input.length)
    const out = stripJpegMetadata(withTrailer)
    expect(out[out.length - 2]).toBe(0xff)
    expect(out[out.length - 1]).toBe(0xd9)
    expect(out.length).toBeLessThan(input.length + 40)
    expect(readJpegMetadata(out).orientation).toBe(3)
  })

  it('can override the orientation it keeps', async () => {
    const out = stripJpegMetadata(await phoneJpeg({ orientation: 6, gps: true }), 1)
    expect(await exifr.parse(out)).toBeUndefined()
  })
})

describe('minimalExifSegment', () => {
  it('is a valid APP1 that exifr understands', async () => {
    const seg = minimalExifSegment(8)
    expect(seg.length).toBe(36)
    const jpeg = await phoneJpeg()
    const spliced = new Uint8Array(jpeg.length + seg.length)
    spliced.set(jpeg.subarray(0, 2))
    spliced.set(seg, 2)
    spliced.set(jpeg.subarray(2), 2 + seg.length)
    expect(await exifr.parse(spliced, { translateValues: false })).toEqual({ Orientation: 8 })
  })
})
