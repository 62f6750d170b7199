/** Small, distinct, deterministic JPEGs for drills (real JPEG bytes, so the server's sniffing accepts them). */
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
