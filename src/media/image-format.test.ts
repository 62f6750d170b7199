import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { detectImageType, fileNameFor, mayHaveAlpha } from './image-format'

const solid = (channels: 3 | 4) => sharp({ create: { width: 8, height: 8, channels, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } })
const bytes = async (b: Promise<Buffer>) => new Uint8Array(await b)

function heif(brand: string, compatible: string[]): Uint8Array {
  const out = new Uint8Array(64)
  const size = 16 + compatible.length * 4
  out.set([0, 0, 0, size])
  out.set(new TextEncoder().encode(`ftyp${brand}`), 4)
  compatible.forEach((b, i) => out.set(new TextEncoder().encode(b), 16 + i * 4))
  return out
}

describe('detectImageType', () => {
  it('knows images by their bytes', async () => {
    expect(detectImageType(await bytes(solid(3).jpeg().toBuffer()))).toBe('image/jpeg')
    expect(detectImageType(await bytes(solid(3).png().toBuffer()))).toBe('image/png')
    expect(detectImageType(await bytes(solid(3).gif().toBuffer()))).toBe('image/gif')
    expect(detectImageType(await bytes(solid(3).webp().toBuffer()))).toBe('image/webp')
    expect(detectImageType(heif('heic', ['mif1', 'heic']))).toBe('image/heic')
    expect(detectImageType(heif('mif1', ['mif1']))).toBe('image/heif')
  })

  it('leaves AVIF, documents and text to the server', () => {
    expect(detectImageType(heif('avif', ['mif1', 'avif']))).toBeNull()
    expect(detectImageType(new TextEncoder().encode('%PDF-1.7'))).toBeNull()
    expect(detectImageType(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull()
    expect(detectImageType(new Uint8Array())).toBeNull()
  })
})

describe('mayHaveAlpha', () => {
  it('tells transparent PNG/WebP from opaque ones', async () => {
    expect(mayHaveAlpha(await bytes(solid(4).png().toBuffer()), 'image/png')).toBe(true)
    expect(mayHaveAlpha(await bytes(solid(3).png().toBuffer()), 'image/png')).toBe(false)
    expect(mayHaveAlpha(await bytes(solid(4).webp().toBuffer()), 'image/webp')).toBe(true)
    expect(mayHaveAlpha(await bytes(solid(3).webp().toBuffer()), 'image/webp')).toBe(false)
    expect(mayHaveAlpha(await bytes(solid(3).png({ palette: true }).toBuffer()), 'image/png')).toBe(false)
  })
})

describe('fileNameFor', () => {
  it('gives every upload an extension matching its bytes', () => {
    expect(fileNameFor('IMG_0001.HEIC', 'image/jpeg')).toBe('IMG_0001.jpg')
    expect(fileNameFor('photo.JPEG', 'image/jpeg')).toBe('photo.JPEG')
    expect(fileNameFor('', 'image/jpeg', 'photo')).toBe('photo.jpg')
    expect(fileNameFor('scan', 'application/pdf')).toBe('scan.pdf')
    expect(fileNameFor('a/b\\c.png', 'image/png')).toBe('a_b_c.png')
    expect(fileNameFor('notes.weird', 'application/octet-stream')).toBe('notes.weird')
    expect(fileNameFor('现场照片.jpg', 'image/jpeg')).toBe('现场照片.jpg')
  })
})
