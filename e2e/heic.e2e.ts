// An iPhone photo as it leaves the camera: a real HEIC (made by Debian's heif-enc, see
// testing/make-heic-fixture.ts) that Chromium cannot decode, so the H5 converts it with heic2any (its
// libheif worker needs the CSP's 'unsafe-eval'). It must land as a picture, not a file, and with the
// taken-at caption on, say when it was taken, read from the HEIC's own EXIF.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { SEED } from '../server/emulator/seed'
import { blockIds, byTestId, chooseDocumentBySearch, openApp, openBatchOptions, pick, signInAsDemoUser, waitForReceipt } from './flows'
import { useE2E } from './harness'

const e2e = useE2E()
const HEIC = readFileSync(fileURLToPath(new URL('../src/media/fixtures/taken-2026-12-01T1403+0900.heic', import.meta.url)))
const user = SEED.users.lina
const doc = SEED.docs.sitePhotos

test('a real HEIC photo is converted on the phone and lands as a picture with when it was taken', async () => {
  const { page } = await e2e.phone()
  const before = blockIds(await e2e.emulator.state())
  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)
  await chooseDocumentBySearch(page, '现场', doc)

  await openBatchOptions(page)
  const toggle = page.locator(byTestId('taken-at-toggle'))
  await toggle.check()
  await pick(page, [{ name: 'IMG_5001.HEIC', mimeType: 'image/heic', buffer: HEIC }], [])
  await page.locator(byTestId('send-button')).click()
  const [row] = await waitForReceipt(page, 1)
  expect(row?.status).toBe('inserted')

  const state = await e2e.emulator.state()
  const resource = state.resources.find((r) => r.docId === doc.docId && r.resourceName.startsWith('IMG_5001'))
  // Converted on the device: DingTalk receives a JPEG picture, not the HEIC as a file.
  expect(resource).toMatchObject({ mediaType: 'image/jpeg', uploaded: true })
  expect(resource?.resourceName).toMatch(/\.jpe?g$/)
  const added = state.documents
    .find((d) => d.docId === doc.docId)!
    .blocks.filter((b) => !before.has(b.id))
    .sort((a, b) => a.index - b.index)
  const text = JSON.stringify(added)
  expect(text).toContain(resource!.resourceUrl)
  // The photo's own time (14:03 at UTC+09:00), kept through the conversion that drops its metadata.
  expect(text).toContain('拍摄于 2026-12-01 14:03')
  // The location never leaves the device: the JPEG DingTalk received carries no GPS.
  const stored = Buffer.from(await (await fetch(new URL(resource!.resourceUrl, e2e.emulator.url))).arrayBuffer())
  expect(stored.subarray(0, 2).toString('hex')).toBe('ffd8')
  expect(stored.includes(Buffer.from('GPS'))).toBe(false)
})
