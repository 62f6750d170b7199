/**
 * Phone-like test photos: 4000×3000 JPEGs at quality 92 with enough detail (gradients, shapes,
 * sensor-like noise) to weigh 3.5–5 MB each, like a 12 MP phone photo. Generated once with sharp
 * and cached in bench/fixtures/ (gitignored).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { createRng, type Rng } from '../../testing/prng'

export const PHOTO_WIDTH = 4000
export const PHOTO_HEIGHT = 3000
const MIN_BYTES = 3.5e6
const MAX_BYTES = 5e6
/** Noise amplitude that lands near the middle of the size window on this generator. */
const START_NOISE = 28

export interface Fixture {
  path: string
  name: string
  bytes: number
}

/** Paints one photo into a raw RGB buffer: sky-to-ground gradient, soft shapes, sensor noise. */
function paint(rng: Rng, noise: number): Buffer {
  const w = PHOTO_WIDTH
  const h = PHOTO_HEIGHT
  const buf = Buffer.alloc(w * h * 3)
  const shapes = Array.from({ length: 14 }, () => ({
    x: rng() * w,
    y: rng() * h,
    r: 120 + rng() * 700,
    c: [rng() * 255, rng() * 255, rng() * 255],
  }))
  const phase = rng() * 6.28
  for (let y = 0; y < h; y++) {
    const sky = y / h
    for (let x = 0; x < w; x++) {
      let r = 70 + 150 * (1 - sky) + 30 * Math.sin(x / 90 + phase)
      let g = 90 + 110 * (1 - sky) + 25 * Math.cos(y / 70 + phase)
      let b = 120 + 120 * (1 - sky) * (x / w)
      for (const s of shapes) {
        const dx = x - s.x
        const dy = y - s.y
        if (dx * dx + dy * dy < s.r * s.r) {
          r = (r + (s.c[0] ?? 0)) / 2
          g = (g + (s.c[1] ?? 0)) / 2
          b = (b + (s.c[2] ?? 0)) / 2
        }
      }
      const n = (rng() - 0.5) * noise
      const i = (y * w + x) * 3
      buf[i] = Math.max(0, Math.min(255, r + n))
      buf[i + 1] = Math.max(0, Math.min(255, g + n))
      buf[i + 2] = Math.max(0, Math.min(255, b + n))
    }
  }
  return buf
}

async function encode(raw: Buffer): Promise<Buffer> {
  return sharp(raw, { raw: { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels: 3 } })
    .jpeg({ quality: 92 })
    .withExif({ IFD0: { Make: 'DocAttachBench', Model: 'Bench 12MP', Orientation: '1' } })
    .toBuffer()
}

/**
 * Returns `count` cached fixtures, generating the missing ones. Each is checked to be within
 * 3.5–5 MB; the noise level is adjusted until it is.
 */
export async function ensurePhotos(dir: string, count: number, log: (msg: string) => void): Promise<Fixture[]> {
  mkdirSync(dir, { recursive: true })
  const out: Fixture[] = []
  for (let i = 0; i < count; i++) {
    const name = `photo-${String(i + 1).padStart(2, '0')}.jpg`
    const path = join(dir, name)
    if (existsSync(path)) {
      const bytes = statSync(path).size
      if (bytes >= MIN_BYTES && bytes <= MAX_BYTES) {
        out.push({ path, name, bytes })
        continue
      }
    }
    let noise = START_NOISE
    for (let attempt = 0; ; attempt++) {
      const jpeg = await encode(paint(createRng(1000 + i), noise))
      if ((jpeg.length >= MIN_BYTES && jpeg.length <= MAX_BYTES) || attempt >= 6) {
        if (jpeg.length < MIN_BYTES || jpeg.length > MAX_BYTES) throw new Error(`could not make ${name} 3.5–5 MB (got ${jpeg.length})`)
        writeFileSync(path, jpeg)
        out.push({ path, name, bytes: jpeg.length })
        log(`generated ${name}: ${(jpeg.length / 1e6).toFixed(2)} MB`)
        break
      }
      noise *= jpeg.length < MIN_BYTES ? 1.3 : 0.75
    }
  }
  return out
}
