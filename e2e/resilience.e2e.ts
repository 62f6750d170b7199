// Interruptions a phone user meets: the page reloaded (or the webview killed) mid-upload, and the
// network dropping mid-upload. Either way every item ends up in the document exactly once, in order.
import { expect, test } from 'vitest'
import sharp from 'sharp'
import type { Page } from 'playwright-core'
import type { FixtureFile } from '@testing/phone-photos'
import { SEED } from '../server/emulator/seed'
import { saveScreen, throttleCpu, throttleUplink } from './browser'
import {
  blockIds,
  byTestId,
  chooseDocumentBySearch,
  expectEachInsertedOnce,
  openApp,
  pick,
  queueSnapshot,
  signInAsDemoUser,
  waitForAnyQueueItem,
  waitForQueueMoment,
  waitForReceipt,
} from './flows'
import { useE2E, useFixtures } from './harness'

const e2e = useE2E()
const fx = useFixtures()

const user = SEED.users.lina
const doc = SEED.docs.sitePhotos
/** ~200 KB/s from our server to DingTalk's upload URL: each photo takes a few seconds to go up. */
const SLOW_UPLOAD = { path: '/__oss/', bandwidthBytesPerSec: 200_000 }

/**
 * Signs in, chooses the document, picks three photos and the PDF and sends them. Resolves once the
 * first upload request is on the wire (a queue item can say "uploading" a moment before its request
 * leaves), with the picked names.
 */
async function sendBatch(page: Page): Promise<string[]> {
  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)
  await chooseDocumentBySearch(page, '现场', doc)
  const firstUpload = page.waitForRequest(
    (request) => request.method() === 'POST' && new URL(request.url()).pathname === `/api/documents/${doc.docId}/resources`,
  )
  await pick(page, [fx.rotated, fx.withGps, fx.plain], [fx.pdf])
  await page.locator(byTestId('send-button')).click()
  await firstUpload
  await waitForAnyQueueItem(page, 'uploading')
  return [fx.rotated, fx.withGps, fx.plain, fx.pdf].map((f) => f.name)
}

/** How many GetResourceUploadInfo calls DingTalk has seen (one per upload attempt that got under way). */
async function uploadSlotsRequested(): Promise<number> {
  return (await e2e.emulator.requests()).filter((r) => r.method === 'POST' && r.path.endsWith('/uploadInfos/query')).length
}

test('a reload in the middle of an upload resumes by itself and inserts every item exactly once', async () => {
  const { page } = await e2e.phone()
  const before = blockIds(await e2e.emulator.state())
  await e2e.emulator.addFault(SLOW_UPLOAD)

  const names = await sendBatch(page)
  // Every item prepared and saved on the phone, at least one on its way up (a reload during
  // preparation is the next test).
  await waitForQueueMoment(page, 'all prepared, one uploading', (s) => !s.includes('preparing') && s.includes('uploading'))
  await saveScreen(page, 'uploading')
  // The upload has reached DingTalk (an upload slot was requested) before the page goes away.
  await expect.poll(() => uploadSlotsRequested(), { timeout: 30_000 }).toBeGreaterThan(0)

  await page.reload()
  // Nobody touches anything after the reload: the persisted queue carries on.
  const receipt = await waitForReceipt(page, names.length)
  expect(receipt).toEqual(names.map((name) => ({ name, status: 'inserted' })))
  expectEachInsertedOnce(await e2e.emulator.state(), doc.docId, names, before)
  // The reload really cut an upload off: it was started again with a new upload slot.
  expect(await uploadSlotsRequested()).toBeGreaterThan(names.length)
})

/**
 * A full-size phone photo (about 27 megapixels, as current phone cameras take): the photo worker needs
 * far longer to decode, downscale and re-encode it than the fixtures, whatever the machine's load.
 */
async function fullSizePhoto(name: string): Promise<FixtureFile> {
  const buffer = await sharp(fx.plain.buffer).resize(6000, 4500).jpeg({ quality: 85 }).toBuffer()
  return { name, mimeType: 'image/jpeg', buffer }
}

/** Resolves, checked inside the page every frame, once the queue shows `statuses` at the same time. */
async function queueShowsTogether(page: Page, statuses: string[]): Promise<void> {
  await page.waitForFunction(
    (wanted) => {
      const shown = [...document.querySelectorAll('[data-testid="queue-item"]')].map((i) => i.getAttribute('data-status'))
      return wanted.every((s) => shown.includes(s))
    },
    statuses,
    { timeout: 60_000, polling: 'raf' },
  )
}

test('a reload while later picks are still being prepared loses none of them', async () => {
  // docs/architecture.md, step 6: uploads "survive a reload or a killed webview (queue and blobs persisted in
  // IndexedDB)". On a phone, preparing photos takes seconds; a webview killed then must not lose the
  // photos (or the PDF queued behind them) that were picked but not yet prepared.
  //
  // The reload must land while a photo is still being prepared. Preparation runs in workers (photo
  // decoding/encoding, SHA-256), which CPU throttling does not slow: three small photos could all be
  // ready before the page was seen with one uploading and another preparing, and the test then waited
  // for a moment that had passed (nothing was lost). A full-size photo keeps the worker busy for long.
  const { page } = await e2e.phone()
  await throttleCpu(page, 6)
  const before = blockIds(await e2e.emulator.state())
  await e2e.emulator.addFault(SLOW_UPLOAD)
  const big = await fullSizePhoto('IMG_0004.jpg')

  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)
  await chooseDocumentBySearch(page, '现场', doc)
  await pick(page, [fx.rotated, big, fx.withGps], [fx.pdf])
  await page.locator(byTestId('send-button')).click()
  await queueShowsTogether(page, ['uploading', 'preparing'])
  const atReload = await queueSnapshot(page)
  await page.reload()
  // The reload really came while the full-size photo (and what was picked after it) was being prepared.
  expect(atReload.find((i) => i.name === big.name)?.status).toBe('preparing')

  const names = [fx.rotated, big, fx.withGps, fx.pdf].map((f) => f.name)
  const receipt = await waitForReceipt(page, names.length)
  expect(receipt).toEqual(names.map((name) => ({ name, status: 'inserted' })))
  expectEachInsertedOnce(await e2e.emulator.state(), doc.docId, names, before)
})

test('going offline in the middle of an upload and back online completes, each item exactly once', async () => {
  const phone = await e2e.phone()
  const { page, context } = phone
  // Requests that fail while the phone is offline are the point of this test, not an error.
  phone.allowFailedRequests((url, text) => new URL(url).pathname.startsWith('/api/') && /ERR_INTERNET_DISCONNECTED|ERR_ABORTED/.test(text))
  const before = blockIds(await e2e.emulator.state())
  // A weak mobile uplink, so that uploads are still on the wire when the network goes away.
  await throttleUplink(page, 150_000)

  const names = await sendBatch(page)

  const failed = page.waitForEvent('requestfailed', {
    predicate: (request) => new URL(request.url()).pathname.startsWith('/api/documents/'),
    timeout: 30_000,
  })
  await context.setOffline(true)
  // At least one upload really broke off (not merely finished before the network went away).
  await failed
  expect(await page.locator(byTestId('receipt')).count()).toBe(0)
  await context.setOffline(false)

  const receipt = await waitForReceipt(page, names.length)
  expect(receipt).toEqual(names.map((name) => ({ name, status: 'inserted' })))
  expectEachInsertedOnce(await e2e.emulator.state(), doc.docId, names, before)
})

test('DingTalk hiccups (system errors, a failed upload, throttling) are retried without the person noticing', async () => {
  const phone = await e2e.phone()
  const { page } = phone
  // A failed PUT to the upload URL cannot be replayed by the server (the body is a stream); it answers
  // 503 and the phone uploads again. Chromium logs that 503 as a console error; it is expected here.
  phone.allowFailedRequests((url, text) => /\/resources\?/.test(url) && text.includes('status of 503'))
  const before = blockIds(await e2e.emulator.state())
  // docs/dingtalk.md#docblocksquery error table: retryable answers the server must absorb (docs/dingtalk.md#throttling).
  await e2e.emulator.addFault({ path: '/v1.0/doc/docs/resources/', method: 'POST', status: 500, code: 'systemError', times: 2 })
  await e2e.emulator.addFault({ path: '/__oss/', method: 'PUT', status: 503, code: 'ServiceUnavailable', times: 1 })
  await e2e.emulator.addFault({ path: '/v1.0/doc/suites/documents/', method: 'POST', status: 429, code: 'Throttling', times: 1 })

  const names = await sendBatch(page)
  const receipt = await waitForReceipt(page, names.length)
  expect(receipt).toEqual(names.map((name) => ({ name, status: 'inserted' })))
  expectEachInsertedOnce(await e2e.emulator.state(), doc.docId, names, before)
  expect(await page.locator(byTestId('error-message')).count()).toBe(0)

  // The hiccups really happened (so this test can fail): DingTalk answered 500, 503 and 429.
  const statuses = (await e2e.emulator.requests()).map((r) => r.status)
  expect(statuses.filter((s) => s === 500)).toHaveLength(2)
  expect(statuses).toContain(503)
  expect(statuses).toContain(429)
})
