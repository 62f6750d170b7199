// Test inputs generated at run time (nothing binary is committed): three phone-like photos and a small PDF.
import sharp from 'sharp'

/** One picked file as `page.setInputFiles` takes it. */
export interface FixtureFile {
  name: string
  mimeType: string
  buffer: Buffer
}

export interface Fixtures {
  /** 1600×1200 pixels stored landscape with EXIF Orientation 6: a viewer that honours EXIF shows it 1200×1600 (portrait). */
  rotated: FixtureFile
  /** 1200×900 JPEG carrying GPS tags (EXIF IFD3), the location a phone camera records. */
  withGps: FixtureFile
  /** 1024×768 JPEG without EXIF. */
  plain: FixtureFile
  /** A small valid one-page PDF. */
  pdf: FixtureFile
}

/**
 * Raw RGB pixels that compress like a photo, not like a flat fill: two crossing gradients, a few soft
 * discs and per-pixel noise (seeded, so every run produces the same bytes).
 */
function photoPixels(width: number, height: number, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3)
  let state = seed >>> 0
  const random = (): number => {
    // xorshift32: deterministic, fast, good enough for texture.
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 0x1_0000_0000
  }
  const discs = Array.from({ length: 6 }, () => ({
    x: random() * width,
    y: random() * height,
    r: (0.08 + random() * 0.15) * Math.min(width, height),
    rgb: [random() * 255, random() * 255, random() * 255] as const,
  }))
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = (x / width) * 200 + 30
      let g = (y / height) * 180 + 40
      let b = ((x + y) / (width + height)) * 160 + 60
      for (const d of discs) {
        const dist = Math.hypot(x - d.x, y - d.y)
        if (dist < d.r) {
          const k = 1 - dist / d.r
          r = r * (1 - k) + d.rgb[0] * k
          g = g * (1 - k) + d.rgb[1] * k
          b = b * (1 - k) + d.rgb[2] * k
        }
      }
      const noise = (random() - 0.5) * 28
      const i = (y * width + x) * 3
      pixels[i] = Math.max(0, Math.min(255, r + noise))
      pixels[i + 1] = Math.max(0, Math.min(255, g + noise))
      pixels[i + 2] = Math.max(0, Math.min(255, b + noise))
    }
  }
  return pixels
}

/** Pixels are the slow part (≈1 s for the three photos): made once per scene, then reused by every variant. */
const scenes = new Map<string, Buffer>()

/**
 * The same scene with a small square whose colour and place depend on `variant`: another shot, so
 * other content (another SHA-256 after the phone re-encodes it; the square survives downscaling).
 */
function withMark(scene: Buffer, width: number, height: number, variant: number): Buffer {
  const pixels = Buffer.from(scene)
  const size = Math.round(Math.min(width, height) / 16)
  const x0 = (variant * 97) % (width - size)
  const y0 = (variant * 53) % (height - size)
  const rgb = [(variant * 71) % 256, (variant * 151 + 64) % 256, (variant * 37 + 128) % 256]
  for (let y = y0; y < y0 + size; y++) {
    for (let x = x0; x < x0 + size; x++) pixels.set(rgb, (y * width + x) * 3)
  }
  return pixels
}

function rawPhoto(width: number, height: number, seed: number, variant: number): sharp.Sharp {
  const key = `${width}x${height}:${seed}`
  let scene = scenes.get(key)
  if (!scene) scenes.set(key, (scene = photoPixels(width, height, seed)))
  const pixels = variant === 0 ? scene : withMark(scene, width, height, variant)
  return sharp(pixels, { raw: { width, height, channels: 3 } })
}

/**
 * A minimal PDF 1.4 (catalog, page tree, one page with a text stream, a font) with a correct
 * cross-reference table, so any reader, and a byte sniffer looking for `%PDF-`, accepts it.
 */
export function minimalPdf(text: string): Buffer {
  const content = `BT /F1 24 Tf 72 720 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'
  const offsets: number[] = []
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'))
    body += `${i + 1} 0 obj\n${object}\nendobj\n`
  })
  const xrefAt = Buffer.byteLength(body, 'latin1')
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
}

/**
 * Builds all fixtures (≈1 s of CPU the first time, a few JPEG encodings after that). Each `variant`
 * is different content with the same names, sizes and metadata: the server remembers what went into
 * a document (`duplicateOf`), so a test that inserts the photos a previous test inserted would be
 * asked "already in this document — attach again?" instead of testing what it means to.
 */
export async function makeFixtures(variant = 0): Promise<Fixtures> {
  const [rotated, withGps, plain] = await Promise.all([
    rawPhoto(1600, 1200, 1, variant).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer(),
    rawPhoto(1200, 900, 2, variant)
      .jpeg({ quality: 90 })
      .withExif({
        IFD0: { Make: 'E2E Phone', Model: 'Camera' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '30/1 15/1 1234/100',
          GPSLongitudeRef: 'E',
          GPSLongitude: '120/1 9/1 5678/100',
        },
      })
      .toBuffer(),
    rawPhoto(1024, 768, 3, variant).jpeg({ quality: 90 }).toBuffer(),
  ])
  return {
    rotated: { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: rotated },
    withGps: { name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: withGps },
    plain: { name: 'IMG_0003.jpg', mimeType: 'image/jpeg', buffer: plain },
    pdf: {
      name: '会议纪要.pdf',
      mimeType: 'application/pdf',
      buffer: minimalPdf(variant === 0 ? 'Doc Attach e2e fixture' : `Doc Attach e2e fixture ${variant}`),
    },
  }
}

/**
 * A photo as a phone camera writes it: `megapixels` 12 (4000×3000) or 48 (8000×6000), 4:3, with
 * camera EXIF; each `variant` is other content. Photo-like pixels, so it weighs what a real one does.
 */
export async function phonePhoto(megapixels: 12 | 48, variant: number): Promise<FixtureFile> {
  const [width, height] = megapixels === 48 ? [8000, 6000] : [4000, 3000]
  const buffer = await rawPhoto(width, height, 40 + megapixels, variant)
    .jpeg({ quality: 88 })
    .withExif({ IFD0: { Make: 'E2E Phone', Model: `Camera ${megapixels}MP` } })
    .toBuffer()
  return { name: `IMG_${megapixels}MP_${String(variant).padStart(4, '0')}.jpg`, mimeType: 'image/jpeg', buffer }
}
