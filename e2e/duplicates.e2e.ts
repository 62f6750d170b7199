// Repeated photos: the same content picked twice in one batch is flagged in the queue (keep one, or
// both on purpose), and content the document already has makes the page ask before attaching it again
// ("already in this document since 12-01 14:03 — attach again?"). The questions are answered with the
// keyboard as well as by tapping, and pass axe in light and dark.
import { expect, test } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { SEED } from '../server/emulator/seed'
import { describeViolation, seriousViolations } from './a11y'
import {
  blockIds,
  blocksPerItem,
  byTestId,
  chooseDocumentBySearch,
  openApp,
  pick,
  queueSnapshot,
  signInAsDemoUser,
  waitForReceipt,
} from './flows'
import { useE2E, useFixtures } from './harness'

const e2e = useE2E()
const fx = useFixtures()
const user = SEED.users.lina
const doc = SEED.docs.sitePhotos

const itemNamed = (page: Page, name: string): Locator => page.locator(`${byTestId('queue-item')}[data-name="${name}"]`)

/** The screen as it is now passes axe (no serious or critical violation) in light and in dark. */
async function expectAccessibleInBothSchemes(page: Page, screen: string): Promise<void> {
  const found: string[] = []
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    await expect.poll(() => page.locator('.van-theme-dark').count()).toBe(colorScheme === 'dark' ? 1 : 0)
    for (const violation of await seriousViolations(page)) found.push(`${screen} (${colorScheme}): ${describeViolation(violation)}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })
  expect(found).toEqual([])
}

/** Focuses `button` from the keyboard (Tab from the element before it) and presses `key` on it. */
async function pressFromKeyboard(page: Page, button: Locator, key: 'Enter' | 'Space'): Promise<void> {
  await button.evaluate((el) => {
    // Start from the item itself, so the Tab presses below walk the real tab order to the button.
    ;(el.closest('[data-testid="queue-item"]') as HTMLElement).focus()
  })
  const testId = await button.getAttribute('data-testid')
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab')
    if (await button.evaluate((el) => el === document.activeElement)) break
  }
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), `${testId} reached with Tab`).toBe(testId)
  await page.keyboard.press(key)
}

/** "MM-DD HH:MM" of an ISO time on a phone in Asia/Shanghai (browser.ts), as the question shows it. */
function shanghaiMinute(iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Shanghai',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  )
  return `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`
}

test('the same photo twice in a batch is flagged; attaching again what the document has is asked first', async () => {
  const { page } = await e2e.phone()
  const before = blockIds(await e2e.emulator.state())
  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)
  await chooseDocumentBySearch(page, '现场', doc)

  // 1. One batch with two photos each picked twice (a copy saved under another name is the same content).
  const plainCopy = { ...fx.plain, name: 'IMG_0003 副本.jpg' }
  const gpsCopy = { ...fx.withGps, name: 'IMG_0002 副本.jpg' }
  await pick(page, [fx.plain, plainCopy, fx.withGps, gpsCopy], [])
  const plainRepeat = itemNamed(page, plainCopy.name).locator(byTestId('same-content'))
  const gpsRepeat = itemNamed(page, gpsCopy.name).locator(byTestId('same-content'))
  await plainRepeat.waitFor({ state: 'visible', timeout: 60_000 })
  await gpsRepeat.waitFor({ state: 'visible', timeout: 60_000 })
  // The later pick is the one flagged, naming the earlier; the originals ask nothing.
  expect(await plainRepeat.textContent()).toContain(fx.plain.name)
  expect(await itemNamed(page, fx.plain.name).locator(byTestId('same-content')).count()).toBe(0)
  await expectAccessibleInBothSchemes(page, 'composer with same-content questions')

  // Send pressed while the questions are open: nothing goes in until they are answered.
  await page.locator(byTestId('send-button')).click()
  await pressFromKeyboard(page, plainRepeat.locator(byTestId('remove-repeat')), 'Enter')
  await itemNamed(page, plainCopy.name).waitFor({ state: 'detached' })
  // Removed from the keyboard: focus moves on to the item that took its place, not to the page's start.
  expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="queue-item"]')?.getAttribute('data-name'))).toBe(
    fx.withGps.name,
  )
  expect(await page.locator(byTestId('receipt')).count()).toBe(0)
  await gpsRepeat.locator(byTestId('keep-both')).click()
  const first = await waitForReceipt(page, 3)
  expect(first).toEqual([fx.plain.name, fx.withGps.name, gpsCopy.name].map((name) => ({ name, status: 'inserted' })))
  const afterFirst = blocksPerItem(await e2e.emulator.state(), doc.docId, [fx.plain.name, plainCopy.name], before)
  expect(afterFirst.get(fx.plain.name), 'the photo kept once').toHaveLength(1)
  expect(afterFirst.get(plainCopy.name), 'its removed repeat').toHaveLength(0)
  const firstBlockOfPlain = afterFirst.get(fx.plain.name)![0]!.id

  // 2. Later, the same photo again: the upload says the document has it, and the page asks.
  await page.locator(byTestId('attach-more')).click()
  const upload = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/documents/${doc.docId}/resources`,
  )
  await pick(page, [fx.plain], [])
  const answer = (await (await upload).json()) as { duplicateOf: { blockId: string; insertedAt: string } | null }
  expect(answer.duplicateOf?.blockId).toBe(firstBlockOfPlain)
  const question = itemNamed(page, fx.plain.name).locator(byTestId('already-in-document'))
  await question.waitFor({ state: 'visible' })
  expect(await question.textContent()).toContain(`${shanghaiMinute(answer.duplicateOf!.insertedAt)} 起已在此文档中`)
  await expectAccessibleInBothSchemes(page, 'composer with the already-in-document question')
  await page.locator(byTestId('send-button')).click()
  expect(await page.locator(byTestId('receipt')).count()).toBe(0)
  await pressFromKeyboard(page, question.locator(byTestId('attach-again')), 'Space')
  expect(await waitForReceipt(page, 1)).toEqual([{ name: fx.plain.name, status: 'inserted' }])
  const plainBlocks = blocksPerItem(await e2e.emulator.state(), doc.docId, [fx.plain.name], before).get(fx.plain.name)!
  expect(plainBlocks, 'attached again on purpose: in the document twice').toHaveLength(2)

  // 3. And once more, answered "don't attach": it leaves the queue and nothing is inserted.
  await page.locator(byTestId('attach-more')).click()
  await pick(page, [fx.withGps], [])
  const again = itemNamed(page, fx.withGps.name).locator(byTestId('already-in-document'))
  await again.waitFor({ state: 'visible', timeout: 60_000 })
  await again.locator(byTestId('skip-duplicate')).click()
  await expect.poll(() => queueSnapshot(page)).toEqual([])
  const end = blocksPerItem(await e2e.emulator.state(), doc.docId, [fx.plain.name, fx.withGps.name, gpsCopy.name], before)
  expect([...end.values()].map((blocks) => blocks.length)).toEqual([2, 1, 1])
})
