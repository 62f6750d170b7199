// The core flows in WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver): the engine of DingTalk on
// the iPhone, where storing Blobs in IndexedDB, decoding HEIC and the network stack differ from Chromium.
// A phone browser on the sandbox path: sign in, choose, attach photos and a file, reload with a waiting
// queue, a real HEIC, and the network lost and found mid-upload.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import exifr from 'exifr'
import sharp from 'sharp'
import { afterEach, beforeEach, expect, test } from 'vitest'
import type { FixtureFile } from '@testing/phone-photos'
import { SEED } from '../../server/emulator/seed'
import { blockIds, expectEachInsertedOnce } from '../flows'
import { useFixtures } from '../harness'
import { useWebKit } from './harness'
import type { WebKitPage } from './page'

const e2e = useWebKit()
const fx = useFixtures()
const user = SEED.users.lina
const doc = SEED.docs.sitePhotos
/** ~200 KB/s from our server to DingTalk's upload URL: each photo stays on the wire for a few seconds. */
const SLOW_UPLOAD = { path: '/__oss/', bandwidthBytesPerSec: 200_000 }
const HEIC = fileURLToPath(new URL('../../src/media/fixtures/taken-2026-12-01T1403+0900.heic', import.meta.url))

/** How many upload slots DingTalk handed out (one per upload attempt that got under way). */
async function uploadSlotsRequested(): Promise<number> {
  return (await e2e.emulator.requests()).filter((r) => r.method === 'POST' && r.path.endsWith('/uploadInfos/query')).length
}

/** The picked files on disk (WebDriver picks files by path), in a folder of this test's own. */
let filesDir = ''
beforeEach(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'doc-attach-webkit-'))
})
afterEach(async () => {
  await rm(filesDir, { recursive: true, force: true })
})

async function onDisk(files: FixtureFile[]): Promise<string[]> {
  return Promise.all(
    files.map(async (file) => {
      const path = join(filesDir, file.name)
      await writeFile(path, file.buffer)
      return path
    }),
  )
}

async function signInAndChoose(page: WebKitPage): Promise<void> {
  await page.open('/')
  await page.shown('sandbox-banner')
  await page.tap(`signin-user-${user.userId}`)
  await page.waitForText('user-name', user.name)
  await page.type('doc-search', '现场')
  await page.tap(`doc-item-${doc.docId}`)
  await page.waitForText('selected-doc', doc.name)
}

/** Picks three photos and the PDF, sends them, and returns the picked names in order. */
async function sendBatch(page: WebKitPage): Promise<string[]> {
  await page.pickFiles('photo-input', await onDisk([fx.rotated, fx.withGps, fx.plain]))
  await page.pickFiles('file-input', await onDisk([fx.pdf]))
  const names = [fx.rotated, fx.withGps, fx.plain, fx.pdf].map((f) => f.name)
  await page.waitForQueue('four items picked', (s) => s.length === names.length && !s.includes('preparing'))
  expect((await page.queue()).map((item) => item.name)).toEqual(names)
  await page.tap('send-button')
  return names
}

/**
 * On a slow link to DingTalk (each photo on the wire for seconds): signs in, sends the batch and
 * resolves once an upload is under way at DingTalk, with the picked names.
 */
async function sendOnSlowLink(page: WebKitPage): Promise<string[]> {
  await e2e.emulator.addFault(SLOW_UPLOAD)
  await signInAndChoose(page)
  const names = await sendBatch(page)
  await page.waitForQueue('one item uploading', (s) => s.includes('uploading'))
  await expect.poll(() => uploadSlotsRequested(), { timeout: 30_000 }).toBeGreaterThan(0)
  return names
}

/** Every item is in the document once, in order, and at least one upload was really cut off and redone. */
async function expectFinishedAfterInterruption(page: WebKitPage, names: string[], before: Set<string>): Promise<void> {
  expect(await page.receipt(names.length)).toEqual(names.map((name) => ({ name, status: 'inserted' })))
  expectEachInsertedOnce(await e2e.emulator.state(), doc.docId, names, before)
  // An upload broke off and was started again with a new upload slot.
  expect(await uploadSlotsRequested()).toBeGreaterThan(names.length)
}

test('sign in, stay signed in after a reload, choose a document by search', async () => {
  const { page } = e2e
  await page.open('/')
  await page.shown('sandbox-banner')
  for (const u of Object.values(SEED.users)) await page.shown(`signin-user-${u.userId}`)
  expect(await page.isShown('user-name')).toBe(false)
  await page.tap(`signin-user-${user.userId}`)
  await page.waitForText('user-name', user.name)

  // The session is a cookie: a reload keeps the person signed in without asking again.
  await page.reload()
  await page.waitForText('user-name', user.name)
  expect(await page.isShown(`signin-user-${user.userId}`)).toBe(false)

  await page.type('doc-search', '现场')
  await page.tap(`doc-item-${doc.docId}`)
  await page.waitForText('selected-doc', doc.name)
})

test('three photos and a PDF land once each, in the picked order, upright and without GPS', async () => {
  const { page } = e2e
  const before = blockIds(await e2e.emulator.state())
  await signInAndChoose(page)
  const names = await sendBatch(page)
  expect(await page.receipt(names.length)).toEqual(names.map((name) => ({ name, status: 'inserted' })))

  const state = await e2e.emulator.state()
  expectEachInsertedOnce(state, doc.docId, names, before)
  for (const photo of [fx.rotated, fx.withGps, fx.plain]) {
    const resource = state.resources.find((r) => r.docId === doc.docId && r.resourceName === photo.name && r.uploaded)!
    expect(resource.mediaType).toBe('image/jpeg')
    const bytes = await e2e.emulator.resourceBytes(resource.resourceUrl)
    const meta = await sharp(bytes).metadata()
    expect([undefined, 1]).toContain(meta.orientation)
    expect(await exifr.gps(bytes).catch(() => undefined), `GPS left in ${photo.name}`).toBeFalsy()
    // Stored 1600×1200 with Orientation 6: the person saw it portrait, so must the document.
    if (photo === fx.rotated) expect([meta.width, meta.height]).toEqual([1200, 1600])
  }
  const pdf = state.resources.find((r) => r.docId === doc.docId && r.resourceName === fx.pdf.name && r.uploaded)!
  expect((await e2e.emulator.resourceBytes(pdf.resourceUrl)).equals(fx.pdf.buffer)).toBe(true)
})

test('a reload with the queue still waiting carries on by itself: every item in the document once, in order', async () => {
  const { page } = e2e
  const before = blockIds(await e2e.emulator.state())
  const names = await sendOnSlowLink(page)

  // The queue (and its prepared photos, stored in WebKit's IndexedDB) must survive the reload.
  await page.reload()
  await expectFinishedAfterInterruption(page, names, before)
})

test('a real HEIC photo lands as a JPEG picture with when it was taken', async () => {
  const { page } = e2e
  const before = blockIds(await e2e.emulator.state())
  await signInAndChoose(page)
  // The batch's options (original, taken-at, stamp, place) are folded away until opened.
  await page.tap('batch-options')
  await page.tap('taken-at-toggle')
  await page.waitFor('the taken-at toggle to be on', 'return document.querySelector(arguments[0]).checked', [
    '[data-testid="taken-at-toggle"]',
  ])
  const heic = join(filesDir, 'IMG_5001.HEIC')
  await writeFile(heic, await readFile(HEIC))
  await page.pickFiles('photo-input', [heic])
  await page.tap('send-button')
  const [row] = await page.receipt(1)
  expect(row?.status).toBe('inserted')

  const state = await e2e.emulator.state()
  const resource = state.resources.find((r) => r.docId === doc.docId && r.resourceName.startsWith('IMG_5001'))
  expect(resource).toMatchObject({ mediaType: 'image/jpeg', uploaded: true })
  const added = state.documents.find((d) => d.docId === doc.docId)!.blocks.filter((b) => !before.has(b.id))
  const text = JSON.stringify(added)
  expect(text).toContain(resource!.resourceUrl)
  expect(text).toContain('拍摄于 2026-12-01 14:03')
  const stored = await e2e.emulator.resourceBytes(resource!.resourceUrl)
  expect(stored.includes(Buffer.from('GPS'))).toBe(false)
})

test('the network lost mid-upload and found again: every item in the document once, in order', async () => {
  const { page, network } = e2e
  const before = blockIds(await e2e.emulator.state())
  const names = await sendOnSlowLink(page)

  // No signal, though the phone may still believe it is online (no `offline` event): uploads on the
  // wire break off and the queue's next tries find no network.
  network.cut()
  expect(network.cutOff, 'connections open when the signal went').toBeGreaterThan(0)
  await expect.poll(() => network.refused, { timeout: 30_000, message: 'tries on the dead network' }).toBeGreaterThan(0)
  expect(await page.isShown('receipt')).toBe(false)
  network.restore()

  await expectFinishedAfterInterruption(page, names, before)
})
