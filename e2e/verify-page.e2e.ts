// The evidence verify page (/v/:code): readable and accessible in light and dark (axe: no serious or
// critical violation), and its "check a photo" picker hashes the chosen file on the device: the file
// that was uploaded is "the original, byte for byte"; a re-encoded copy (as a chat app makes) is not.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ApiClient } from '@testing/drills/api-client'
import { issueCodeVia, uploadVia } from '@testing/evidence'
import { SEED } from '../server/emulator/seed'
import { describeViolation, seriousViolations } from './a11y'
import { useE2E } from './harness'

const e2e = useE2E()
const user = SEED.users.lina
const doc = SEED.docs.weeklyReport

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-page-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Uploads a stamped-looking JPEG with evidence as `user`; its code and the original's path. */
async function registeredPhoto(): Promise<{ code: string; original: string; copy: string }> {
  const api = new ApiClient(e2e.appUrl)
  await api.signIn(user.userId)
  const code = await issueCodeVia(api)
  const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 90, g: 140, b: 200 } } })
    .jpeg({ quality: 85 })
    .toBuffer()
  const claim = {
    code,
    takenAt: '2026-12-08T09:30:00+08:00',
    takenAtSource: 'exif' as const,
    place: null,
    lines: [`拍摄人 ${user.name}`, code],
  }
  expect((await uploadVia(api, doc.docId, photo, claim)).evidence?.code).toBe(code)
  const original = join(dir, `${code}.jpg`)
  const copy = join(dir, `${code}-resaved.jpg`)
  await writeFile(original, photo)
  // What a chat app or album does: decode and encode again. The picture looks the same; the bytes differ.
  await writeFile(copy, await sharp(photo).jpeg({ quality: 80 }).toBuffer())
  return { code, original, copy }
}

test('the verify page passes axe in light and dark, and tells the original from a re-saved copy', async () => {
  const { code, original, copy } = await registeredPhoto()
  const found: string[] = []
  for (const colorScheme of ['light', 'dark'] as const) {
    const { page } = await e2e.phone({ colorScheme })
    await page.goto(`${e2e.appUrl}/v/${code}`)
    await expect.poll(() => page.locator('[data-testid="check-photo-input"]').isEnabled()).toBe(true)
    for (const violation of await seriousViolations(page)) found.push(`${colorScheme}: ${describeViolation(violation)}`)
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(background, colorScheme).toBe(colorScheme === 'dark' ? 'rgb(17, 19, 24)' : 'rgb(247, 248, 250)')

    const result = page.locator('[data-testid="check-photo-result"]')
    await page.locator('[data-testid="check-photo-input"]').setInputFiles(original)
    await expect.poll(() => result.getAttribute('data-result')).toBe('original')
    expect(await result.textContent()).toBe('这是原始文件，逐字节一致。')
    await page.locator('[data-testid="check-photo-input"]').setInputFiles(copy)
    await expect.poll(() => result.getAttribute('data-result')).toBe('not-original')
    expect(await result.textContent()).toBe('这不是原始文件。')
  }
  expect(found).toEqual([])
})

test('an unknown code says so, in a page that passes axe', async () => {
  const { page } = await e2e.phone()
  const res = await page.goto(`${e2e.appUrl}/v/0000-0000-0000`)
  expect(res?.status()).toBe(200)
  expect(await page.locator('[data-testid="verify-status"]').getAttribute('data-state')).toBe('unknown')
  expect((await seriousViolations(page)).map(describeViolation)).toEqual([])
})
