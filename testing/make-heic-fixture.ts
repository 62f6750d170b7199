/**
 * Makes src/media/fixtures/taken-2026-12-01T1403+0900.heic, the one binary test input: a real HEIC
 * (libheif's `heif-enc`, Debian package libheif-examples) carrying a camera's EXIF, taken 2026-12-01
 * 14:03 at UTC+09:00, with GPS that must never be read. Committed because heif-enc is not needed to run
 * the tests; run this to make it again:
 *
 *   npx tsx testing/make-heic-fixture.ts
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'

const OUT = join(import.meta.dirname, '../src/media/fixtures/taken-2026-12-01T1403+0900.heic')

const dir = mkdtempSync(join(tmpdir(), 'heic-fixture-'))
try {
  const jpeg = join(dir, 'camera.jpg')
  const exif = {
    IFD0: { Make: 'TestCam', Model: 'HEIC' },
    IFD2: { DateTimeOriginal: '2026:12:01 14:03:27', OffsetTimeOriginal: '+09:00' },
    IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '35/1 41/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '139/1 41/1 0/1' },
  }
  writeFileSync(
    jpeg,
    await sharp({ create: { width: 64, height: 48, channels: 3, background: 'teal' } })
      .jpeg()
      .withExif(exif)
      .toBuffer(),
  )
  // heif-enc copies the JPEG's EXIF into the HEIC's Exif item.
  execFileSync('heif-enc', ['--quality', '50', '-o', OUT, jpeg], { stdio: 'inherit' })
  console.log(`wrote ${OUT}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
