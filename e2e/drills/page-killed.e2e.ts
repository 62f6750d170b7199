// Drill: the webview is killed while the batch is being inserted (some blocks already in the document,
// the insertion request still open) and the person opens the app again. The persisted queue must finish
// the batch with the same Idempotency-Key: every item in the document exactly once, in the picked order.
// (A reload mid-upload is covered by e2e/resilience.e2e.ts; this is the harder moment, mid-insertion.)
import { expect, test } from 'vitest'
import { SEED } from '../../server/emulator/seed'
import {
  blockIds,
  byTestId,
  chooseDocumentBySearch,
  expectEachInsertedOnce,
  openApp,
  pick,
  signInAsDemoUser,
  waitForReceipt,
} from '../flows'
import { useE2E, useFixtures } from '../harness'

const e2e = useE2E()
const fx = useFixtures()

const user = SEED.users.lina
const doc = SEED.docs.sitePhotos
/** Each DocInsertBlocks takes this long, so the kill lands between the first and the last insert. */
const SLOW_INSERTS = { path: '/v1.0/doc/suites/documents/', method: 'POST', latencyMs: 700 }

test('a page killed mid-insertion and opened again finishes the batch, each item exactly once, in order', async () => {
  const phone = await e2e.phone()
  const before = blockIds(await e2e.emulator.state())
  const newBlocks = async () =>
    (await e2e.emulator.state()).documents.find((d) => d.docId === doc.docId)!.blocks.filter((b) => !before.has(b.id)).length

  await openApp(phone.page, e2e.appUrl)
  await signInAsDemoUser(phone.page, user)
  await chooseDocumentBySearch(phone.page, '现场', doc)
  await e2e.emulator.addFault(SLOW_INSERTS)
  await pick(phone.page, [fx.rotated, fx.withGps, fx.plain], [fx.pdf])
  const names = [fx.rotated, fx.withGps, fx.plain, fx.pdf].map((f) => f.name)
  await phone.page.locator(byTestId('send-button')).click()

  // Kill the page as soon as DingTalk holds part of the batch.
  await expect.poll(newBlocks, { timeout: 60_000, interval: 50 }).toBeGreaterThan(0)
  await phone.page.close()
  expect(await newBlocks(), 'killed mid-insertion, not after it').toBeLessThan(names.length)
  await e2e.emulator.clearFaults()

  // Opening the app again from its home URL, in the same webview storage (cookies, IndexedDB).
  const reopened = await phone.context.newPage()
  await reopened.goto(`${e2e.appUrl}/`)
  const receipt = await waitForReceipt(reopened, names.length)
  expect(receipt).toEqual(names.map((name) => ({ name, status: 'inserted' })))

  expectEachInsertedOnce(await e2e.emulator.state(), doc.docId, names, before)
})
