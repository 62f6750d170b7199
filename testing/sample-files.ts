/**
 * Sample files for server tests and drills, generated at run time (nothing binary is committed):
 * real bytes, so the server's type sniffing accepts them.
 */
import sharp from 'sharp'
import { createRng } from './prng'

export interface Photo {
  name: string
  bytes: Buffer
}

/**
 * Generates `count` JPEGs of `width`×`height` with seeded noise over a per-photo colour, so
 * every photo has different bytes. Cheap: ~1 ms each at the default size.
 */
export async function makePhotos(
  count: number,
  opts: { seed?: number; width?: number; height?: number; prefix?: string } = {},
): Promise<Photo[]> {
  const width = opts.width ?? 96
  const height = opts.height ?? 72
  const rng = createRng(opts.seed ?? 1)
  const photos: Photo[] = []
  for (let i = 0; i < count; i++) {
    const raw = Buffer.alloc(width * height * 3)
    const base = [rng() * 255, rng() * 255, rng() * 255]
    for (let p = 0; p < raw.length; p++) raw[p] = Math.max(0, Math.min(255, (base[p % 3] ?? 0) + (rng() - 0.5) * 60))
    const bytes = await sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 80 })
      .toBuffer()
    photos.push({ name: `${opts.prefix ?? 'photo'}-${String(i + 1).padStart(3, '0')}.jpg`, bytes })
  }
  return photos
}

/** A PNG of `width`×`height` pixels with a colour derived from `seed`. */
export async function makePng(seed = 1, width = 8, height = 8): Promise<Buffer> {
  const channel = (n: number) => (seed * n) % 256
  return sharp({ create: { width, height, channels: 3, background: { r: channel(37), g: channel(91), b: channel(53) } } })
    .png()
    .toBuffer()
}

/** A tiny but real PDF (enough for type sniffing; readers would open it). */
export function makePdf(title = 'Report'): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n` +
      `% ${title}\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  )
}
