// A large file on a weak link (resumable upload, tus): the page reloaded in the middle of it carries
// on from the bytes the server already has, instead of sending the file again from zero.
import { randomBytes } from 'node:crypto'
import { expect, test } from 'vitest'
import type { Request } from 'playwright-core'
import { SEED } from '../server/emulator/seed'
import { throttleUplink } from './browser'
import { minimalPdf } from '../testing/phone-photos'
import {
  blockIds,
  byTestId,
  chooseDocumentBySearch,
  expectEachInsertedOnce,
  openApp,
  pick,
  signInAsDemoUser,
  waitForReceipt,
} from './flows'
import { useE2E } from './harness'

const e2e = useE2E()

const user = SEED.users.lina
const doc = SEED.docs.sitePhotos
/** Above the 8 MiB threshold from which the H5 uses tus. */
const FILE_BYTES = 12 * 1024 * 1024
/** ≈ 1.5 MB/s up: the file takes several seconds, long enough to reload in the middle. */
const UPLINK_BYTES_PER_SEC = 1_500_000

const uploadsPath = `/api/documents/${doc.docId}/uploads`
const isCreation = (r: Request) => r.method() === 'POST' && new URL(r.url()).pathname === uploadsPath
const isPatch = (r: Request) => r.method() === 'PATCH' && new URL(r.url()).pathname.startsWith(`${uploadsPath}/`)

test('a reload in the middle of a large upload continues from the bytes the server has', async () => {
  const phone = await e2e.phone()
  const { page } = phone
  // After the reload the page asks (HEAD) where the upload stands while the server may still be
  // writing bytes the cut-off PATCH had in flight: its next PATCH then starts behind the server's
  // offset and is answered 409 (Conflict). tus-js-client asks again and continues from there (see
  // src/api/resumable-uploads.ts); Chromium logs that 409 as a console error, expected here.
  phone.allowFailedRequests((url, text) => new URL(url).pathname.startsWith(`${uploadsPath}/`) && text.includes('status of 409'))
  const before = blockIds(await e2e.emulator.state())
  await throttleUplink(page, UPLINK_BYTES_PER_SEC)
  const pdf = minimalPdf('Inspection report')
  const big = { name: '巡检报告.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([pdf, randomBytes(FILE_BYTES - pdf.length)]) }

  const creations: Request[] = []
  const patches: Request[] = []
  page.on('request', (r) => {
    if (isCreation(r)) creations.push(r)
    if (isPatch(r)) patches.push(r)
  })

  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)
  await chooseDocumentBySearch(page, '现场', doc)
  // Preparing the file first (saved to IndexedDB, hashed) takes a while on a busy machine.
  const created = page.waitForResponse((r) => isCreation(r.request()) && r.status() === 201, { timeout: 120_000 })
  await pick(page, [], [big])
  await page.locator(byTestId('send-button')).click()
  const location = (await created).headers()['location'] ?? ''
  // The queue tells the person that this file continues where it stopped.
  await page.locator(byTestId('resumable-hint')).waitFor({ state: 'visible' })
  expect(location).toContain(`${uploadsPath}/`)

  // Wait until the server holds a good part of the file (HEAD with the page's own session).
  const offset = async () => {
    const res = await page.request.head(location, { headers: { 'tus-resumable': '1.0.0' } })
    return Number(res.headers()['upload-offset'] ?? 0)
  }
  await expect.poll(offset, { timeout: 60_000, interval: 200 }).toBeGreaterThan(FILE_BYTES * 0.25)
  const patchesBeforeReload = patches.length

  await page.reload()

  const receipt = await waitForReceipt(page, 1)
  expect(receipt).toEqual([{ name: big.name, status: 'inserted' }])
  expectEachInsertedOnce(await e2e.emulator.state(), doc.docId, [big.name], before)
  // One upload, created once: after the reload the page asked where it stood and sent only the rest.
  expect(creations).toHaveLength(1)
  const resumed = patches.slice(patchesBeforeReload)
  expect(resumed.length).toBeGreaterThan(0)
  expect(new URL(resumed[0]?.url() ?? '').pathname).toBe(new URL(location).pathname)
  expect(Number((await resumed[0]?.allHeaders())?.['upload-offset'])).toBeGreaterThan(FILE_BYTES * 0.25)
  // DingTalk received the whole file, byte for byte.
  const stored = (await e2e.emulator.state()).resources.find((r) => r.resourceName === big.name && r.uploaded)
  expect(stored?.size).toBe(FILE_BYTES)
})
