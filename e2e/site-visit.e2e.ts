// A site visit without signal (issue 18): the app reopened with no network shows the waiting queue
// and takes more photos, for two documents in several batches; back online every item goes into
// the right document, in order, exactly once. Also: a quota that runs out, an engine that refuses
// Blobs in IndexedDB, the screen kept on and let go, and a 48 MP photo prepared without a canvas
// over 16,777,216 pixels.
import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { makeFixtures, phonePhoto, type FixtureFile } from '@testing/phone-photos'
import { SEED } from '../server/emulator/seed'
import type { Phone } from './browser'
import {
  blockIds,
  byTestId,
  chooseDocumentBySearch,
  expectEachInsertedOnce,
  openInDingTalk,
  pick,
  queueSnapshot,
  signInAndChoose,
  submitDocumentLink,
  waitForReceipt,
} from './flows'
import { useE2E } from './harness'
import { bridgeCalls } from './fake-dingtalk'

const e2e = useE2E()
const user = SEED.users.lina
const diary = SEED.docs.sitePhotos
const weekly = SEED.docs.weeklyReport

let variant = 5000
/** Photos no earlier test inserted (the server would ask "attach again?"), named `prefix-1.jpg`, … */
async function photos(prefix: string, count: number): Promise<FixtureFile[]> {
  const made: FixtureFile[] = []
  for (let i = 0; i < count; i++) {
    const fx = await makeFixtures(++variant)
    made.push({ ...fx.plain, name: `${prefix}-${i + 1}.jpg` })
  }
  return made
}

/** Offline on purpose: the requests that fail then are expected. */
function allowOffline(phone: Phone): void {
  phone.allowFailedRequests(() => true)
}

/** Signs in and opens `doc` with the service worker installed (its precache complete). */
async function signedInWith(page: Page, doc: { docId: string; name: string }, query: string): Promise<void> {
  await signInAndChoose(page, e2e.appUrl, user, query, doc)
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
}

async function send(page: Page): Promise<void> {
  await page.locator(byTestId('send-button')).click()
}

/**
 * Waits until the queue saved in IndexedDB holds a sent batch of `count` items: a reload earlier than
 * that is a page killed within milliseconds of "send", which is not what the test is about.
 */
async function sentBatchSaved(page: Page, count: number): Promise<void> {
  const saved = (): Promise<boolean> =>
    page.evaluate(
      (n) =>
        new Promise<boolean>((resolve) => {
          const open = indexedDB.open('doc-attach-uploads')
          open.onerror = () => resolve(false)
          open.onsuccess = () => {
            const all = open.result.transaction('queue').objectStore('queue').getAll()
            all.onerror = () => resolve(false)
            all.onsuccess = () =>
              resolve(
                (all.result as { batches?: { batch?: { submitted?: boolean }; items?: unknown[] }[] }[]).some((state) =>
                  (state.batches ?? []).some((b) => b.batch?.submitted === true && (b.items ?? []).length === n),
                ),
              )
          }
        }),
      count,
    )
  await expect.poll(saved, { timeout: 30_000 }).toBe(true)
}

async function waitForItems(page: Page, count: number): Promise<void> {
  await expect.poll(async () => (await queueSnapshot(page)).length, { timeout: 60_000 }).toBe(count)
}

test('the offline day: reopened without network, two documents in three batches, all in once the network is back', async () => {
  const phone = await e2e.phone()
  const { page, context } = phone
  allowOffline(phone)
  const before = blockIds(await e2e.emulator.state())
  const [first, second, third] = [await photos('diary-a', 2), await photos('diary-b', 1), await photos('weekly', 2)]

  // Online once: signed in, both documents opened (so both are among the recent ones), the app installed.
  await signedInWith(page, weekly, '周报')
  await page.locator(byTestId('change-doc')).click()
  await chooseDocumentBySearch(page, '现场', diary)

  // In the basement: no network, and the app is closed and opened again.
  await context.setOffline(true)
  await page.reload()
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent(), { timeout: 30_000 }).toContain(diary.name)
  await pick(page, first, [])
  await waitForItems(page, 2)
  await send(page)
  // Picking after send starts the next batch for the same document.
  await pick(page, second, [])
  await waitForItems(page, 3)
  await send(page)
  // Another document, from the recent ones (no search without network).
  await page.locator(byTestId('change-doc')).click()
  await page.locator(byTestId(`recent-doc-${weekly.docId}`)).click()
  await pick(page, third, [])
  await waitForItems(page, 5)
  await send(page)

  // Closed and reopened again, still without network: every waiting photo is back.
  await page.reload()
  await expect
    .poll(async () => (await queueSnapshot(page)).map((i) => i.name).sort(), { timeout: 30_000 })
    .toEqual([...first, ...second, ...third].map((f) => f.name).sort())
  expect((await e2e.emulator.state()).documents.flatMap((d) => d.blocks).filter((b) => !before.has(b.id))).toEqual([])

  await context.setOffline(false)
  await waitForReceipt(page, third.length)
  await expect.poll(() => page.locator(byTestId('waiting-batch')).count(), { timeout: 60_000 }).toBe(0)
  const state = await e2e.emulator.state()
  expectEachInsertedOnce(
    state,
    diary.docId,
    [...first, ...second].map((f) => f.name),
    before,
  )
  expectEachInsertedOnce(
    state,
    weekly.docId,
    third.map((f) => f.name),
    before,
  )
})

test('a quota that runs out: the add is refused whole with a clear message, earlier picks stay', async () => {
  const phone = await e2e.phone()
  const { page } = phone
  await signedInWith(page, diary, '现场')
  const [kept] = await photos('quota-ok', 1)
  await pick(page, [kept!], [])
  await waitForItems(page, 1)

  // A device nearly full: the quota the browser reports becomes what is used now plus 1 MB.
  await page.evaluate(() => {
    const estimate = navigator.storage.estimate.bind(navigator.storage)
    navigator.storage.estimate = async () => {
      const real = await estimate()
      return { ...real, quota: (real.usage ?? 0) + 1024 * 1024 }
    }
  })
  const big = await phonePhoto(12, ++variant)
  await pick(page, [big], [])
  await expect.poll(() => page.locator(byTestId('storage-notice')).textContent()).toMatch(/空间|room/)
  expect((await queueSnapshot(page)).map((i) => i.name)).toEqual([kept!.name])
})

test('an engine that refuses Blobs in IndexedDB: picks are kept as bytes, come back after a reload and go in', async () => {
  const phone = await e2e.phone()
  const { page, context } = phone
  allowOffline(phone)
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (value instanceof Blob) throw new DOMException('Error preparing Blob/File data to be stored in object store', 'UnknownError')
      return put.call(this, value, key)
    }
  })
  const before = blockIds(await e2e.emulator.state())
  await signedInWith(page, diary, '现场')
  const picked = await photos('bytes', 2)
  await context.setOffline(true)
  await pick(page, picked, [])
  await waitForItems(page, 2)
  await send(page)
  await sentBatchSaved(page, 2)
  await page.reload()
  await waitForItems(page, 2)
  await context.setOffline(false)
  await waitForReceipt(page, 2)
  expectEachInsertedOnce(
    await e2e.emulator.state(),
    diary.docId,
    picked.map((f) => f.name),
    before,
  )
})

test('the screen is kept on while the queue works and let go once the receipt shows', async () => {
  const { page, context } = await e2e.phone()
  await context.addInitScript(() => {
    const log: string[] = []
    ;(window as unknown as { __wakeLog: string[] }).__wakeLog = log
    Object.defineProperty(navigator, 'wakeLock', {
      configurable: true,
      value: {
        request: () => {
          log.push('request')
          const sentinel = {
            released: false,
            release: () => {
              log.push('release')
              sentinel.released = true
              return Promise.resolve()
            },
          }
          return Promise.resolve(sentinel)
        },
      },
    })
  })
  await signedInWith(page, diary, '现场')
  const picked = await photos('awake', 2)
  await pick(page, picked, [])
  await expect.poll(() => page.evaluate(() => (window as unknown as { __wakeLog: string[] }).__wakeLog)).toEqual(['request'])
  await send(page)
  await waitForReceipt(page, 2)
  await expect.poll(() => page.evaluate(() => (window as unknown as { __wakeLog: string[] }).__wakeLog)).toEqual(['request', 'release'])
})

test('inside DingTalk the screen is kept on through biz.util.setScreenKeepOn, and let go on the receipt', async () => {
  const { page } = await e2e.phone({
    dingtalk: { authCode: async () => e2e.emulator.authCode(SEED.users.zhangwei.userId) },
  })
  await openInDingTalk(page, e2e.appUrl, SEED.users.zhangwei)
  await submitDocumentLink(page, weekly.url)
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(weekly.name)
  await pick(page, await photos('dingtalk-awake', 1), [])
  await send(page)
  await waitForReceipt(page, 1)
  const keepOn = async () => (await bridgeCalls(page, 'biz.util.setScreenKeepOn')).map((c) => c.params.isKeep)
  await expect.poll(keepOn).toEqual([true, false])
})

test('a 48 MP photo is prepared without any canvas over 16,777,216 pixels, on the page or in its workers', async () => {
  // Service workers off here: the photo worker's script must reach the context's route, which
  // records every canvas the worker makes (a worker runs no init script).
  const { page, context } = await e2e.phone({ serviceWorkers: 'block' })
  await context.route('**/assets/photo-worker-*.js', async (route) => {
    const response = await route.fetch()
    const body = `${CANVAS_WATCH}\n${await response.text()}`
    await route.fulfill({ response, body })
  })
  await context.addInitScript(CANVAS_WATCH)
  await signInAndChoose(page, e2e.appUrl, user, '现场', diary)
  const huge = await phonePhoto(48, ++variant)
  await pick(page, [huge], [])
  await expect.poll(async () => (await queueSnapshot(page))[0]?.status, { timeout: 120_000 }).toMatch(/ready|uploading|uploaded/)

  const areas = [await page.evaluate(() => (self as unknown as { __maxCanvasArea: number }).__maxCanvasArea)]
  for (const worker of page.workers()) {
    areas.push(await worker.evaluate(() => (self as unknown as { __maxCanvasArea?: number }).__maxCanvasArea ?? 0))
  }
  expect(page.workers().length).toBeGreaterThan(0)
  // Something was drawn (the photo was re-encoded), and never on a canvas over the limit.
  expect(Math.max(...areas)).toBeGreaterThan(1_000_000)
  expect(Math.max(...areas)).toBeLessThanOrEqual(16_777_216)
})

/**
 * Records the largest canvas made (HTMLCanvasElement sized through width/height, OffscreenCanvas
 * constructed or resized) in `self.__maxCanvasArea`, in the page and in a worker alike.
 */
const CANVAS_WATCH = `(() => {
  self.__maxCanvasArea = 0;
  const note = (w, h) => { self.__maxCanvasArea = Math.max(self.__maxCanvasArea, (w || 0) * (h || 0)); };
  for (const C of [self.HTMLCanvasElement, self.OffscreenCanvas]) {
    if (!C) continue;
    for (const side of ['width', 'height']) {
      const d = Object.getOwnPropertyDescriptor(C.prototype, side);
      if (!d || !d.set) continue;
      Object.defineProperty(C.prototype, side, { ...d, set(v) { d.set.call(this, v); note(this.width, this.height); } });
    }
  }
  if (self.OffscreenCanvas) {
    const O = self.OffscreenCanvas;
    self.OffscreenCanvas = class extends O { constructor(w, h) { super(w, h); note(w, h); } };
  }
})();`
