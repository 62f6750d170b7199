// On a desktop window and in every theme: drag-and-drop and paste join the queue like picked files,
// the wide layout and the keyboard, DingTalk PC's narrow sidebar, the phone's safe area, and every
// screen in light and dark passing axe-core with no serious or critical violation (the README's
// phone/desktop light/dark screenshots come from here).
import { expect, test } from 'vitest'
import sharp from 'sharp'
import type { Page } from 'playwright-core'
import { SEED } from '../server/emulator/seed'
import { seriousViolations, describeViolation } from './a11y'
import { saveScreen, type ViewportName } from './browser'
import { dragOver, dropFiles, pasteFiles } from './drop-paste'
import { pcAppUrl } from './fake-dingtalk'
import type { FixtureFile } from '@testing/phone-photos'
import {
  blockIds,
  byTestId,
  chooseDocumentBySearch,
  expectEachInsertedOnce,
  openApp,
  pick,
  queueSnapshot,
  signInAsDemoUser,
  waitForQueue,
  waitForReceipt,
} from './flows'
import { useE2E, useFixtures } from './harness'

const e2e = useE2E()
const fx = useFixtures()
const user = SEED.users.lina
const doc = SEED.docs.sitePhotos

/** Signs in on the sandbox path and opens the composer for the site-photos document. */
async function toComposer(page: Page): Promise<void> {
  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)
  await chooseDocumentBySearch(page, '现场', doc)
}

/** A PNG as a screenshot tool puts it on the clipboard ("image.png"). */
async function screenshotPng(): Promise<FixtureFile> {
  const buffer = await sharp({ create: { width: 640, height: 400, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .png()
    .toBuffer()
  return { name: 'image.png', mimeType: 'image/png', buffer }
}

/** A file the app never accepts (DESIGN: HTML is refused whatever its name). */
const htmlFile: FixtureFile = { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<!doctype html><p>hi</p>') }

async function failureText(page: Page, name: string): Promise<string> {
  const item = page.locator(`${byTestId('queue-item')}[data-name="${name}"]`)
  await expect.poll(() => item.last().getAttribute('data-status')).toBe('failed')
  return (await item.last().locator(byTestId('error-message')).textContent()) ?? ''
}

test('desktop: files dropped on the page and pasted join the queue exactly as picked ones, and land in the document', async () => {
  const { page } = await e2e.phone({ viewport: 'desktop' })
  const before = blockIds(await e2e.emulator.state())
  await toComposer(page)

  // While files are held over the window, a drop zone says where they go.
  await dragOver(page, [fx.plain])
  await page.locator(byTestId('drop-zone')).waitFor({ state: 'visible' })
  await saveScreen(page, 'desktop-drop-zone')

  await dropFiles(page, [fx.rotated, fx.pdf])
  await page.locator(byTestId('drop-zone')).waitFor({ state: 'hidden' })
  const screenshot = await screenshotPng()
  await pasteFiles(page, [screenshot])
  await waitForQueue(page, 3, ['ready', 'uploading', 'uploaded'])
  const names = (await queueSnapshot(page)).map((i) => i.name)
  expect(names.slice(0, 2)).toEqual([fx.rotated.name, fx.pdf.name])
  expect(names[2]).toMatch(/^Screenshot \d{4}-\d{2}-\d{2} \d{2}\.\d{2}\.\d{2}\.png$/)

  // The same checks as picking: an HTML page is refused the same way, dropped or picked.
  await dropFiles(page, [htmlFile])
  const dropped = await failureText(page, htmlFile.name)
  await pick(page, [], [htmlFile])
  expect(await failureText(page, htmlFile.name)).toBe(dropped)
  expect(dropped).not.toBe('')
  for (let i = 0; i < 2; i++)
    await page
      .locator(`${byTestId('queue-item')}[data-name="${htmlFile.name}"] ${byTestId('remove-item')}`)
      .first()
      .click()

  await page.locator(byTestId('send-button')).click()
  expect(await waitForReceipt(page, 3)).toEqual(names.map((name) => ({ name, status: 'inserted' })))
  const state = await e2e.emulator.state()
  // A pasted PNG screenshot is prepared like any photo (re-encoded): it is uploaded under its new extension.
  const shotBase = names[2]!.replace(/\.png$/, '')
  const uploadedShot = state.resources.find((r) => r.docId === doc.docId && r.resourceName.startsWith(shotBase) && r.uploaded)!
  expectEachInsertedOnce(state, doc.docId, [names[0]!, names[1]!, uploadedShot.resourceName], before)
  // The same preparation as a picked photo: the dropped EXIF-rotated photo arrives upright.
  const rotated = state.resources.find((r) => r.docId === doc.docId && r.resourceName === fx.rotated.name && r.uploaded)!
  const meta = await sharp(await e2e.emulator.resourceBytes(rotated.resourceUrl)).metadata()
  expect([meta.width, meta.height]).toEqual([1200, 1600])
})

test('desktop: the wide window holds the pickers beside the queue; Tab, Delete and Enter do the work', async () => {
  const { page } = await e2e.phone({ viewport: 'desktop' })
  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)
  // The chooser is a comfortable centred column, not a line across 1280 px.
  const chooser = (await page.locator(byTestId('doc-search')).boundingBox())!
  expect(chooser.width).toBeLessThanOrEqual(760)
  expect(Math.abs(chooser.x + chooser.width / 2 - 640)).toBeLessThan(40)

  await chooseDocumentBySearch(page, '现场', doc)
  await pick(page, [fx.plain, fx.withGps, fx.rotated], [])
  await waitForQueue(page, 3, ['ready', 'uploading', 'uploaded'])
  const pickers = (await page.locator(byTestId('composer-pick')).boundingBox())!
  const queue = (await page.locator(byTestId('composer-queue')).boundingBox())!
  expect(queue.x).toBeGreaterThanOrEqual(pickers.x + pickers.width)
  expect(Math.abs(queue.y - pickers.y)).toBeLessThan(80)

  // Tab order: the pickers, then the queue's items, then send; focus is visible on each.
  await page.locator(byTestId('photo-input')).focus()
  const order: string[] = []
  for (let i = 0; i < 40 && !order.includes('send-button'); i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      if (!el) return null
      // A file input is invisible; its focus shows on the button (label) around it.
      const shown = [el, el.closest('label')].filter((e): e is HTMLElement => e !== null)
      const ringed = (e: HTMLElement) => {
        const style = getComputedStyle(e)
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none'
      }
      return {
        id: el.closest('[data-testid]')?.getAttribute('data-testid') ?? el.tagName,
        visible: shown.some(ringed),
      }
    })
    if (!focused) continue
    expect(focused.visible, `focus visible on ${focused.id}`).toBe(true)
    order.push(focused.id)
  }
  expect(order.indexOf('file-input')).toBeLessThan(order.indexOf('queue-item'))
  expect(order.indexOf('queue-item')).toBeLessThan(order.indexOf('send-button'))

  // Delete removes the focused item; focus stays in the queue.
  await page.locator(byTestId('queue-item')).nth(1).focus()
  await page.keyboard.press('Delete')
  await waitForQueue(page, 2, ['ready', 'uploading', 'uploaded'])
  expect((await queueSnapshot(page)).map((i) => i.name)).toEqual([fx.plain.name, fx.rotated.name])
  expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="queue-item"]') !== null)).toBe(true)

  // Enter in a caption sends the batch.
  await page
    .locator(`${byTestId('queue-item')} ${byTestId('caption-input')}`)
    .first()
    .fill('东立面')
  await page.keyboard.press('Enter')
  expect(await waitForReceipt(page, 2)).toEqual([fx.plain.name, fx.rotated.name].map((name) => ({ name, status: 'inserted' })))
})

test('DingTalk PC sidebar (a narrow window): nothing runs off the side, send stays in reach', async () => {
  const { page } = await e2e.phone({
    viewport: 'sidebar',
    dingtalk: { client: 'pc', authCode: () => e2e.emulator.authCode(user.userId) },
  })
  await page.goto(`${pcAppUrl(e2e.appUrl)}/?corpId=ding-emulator-corp`)
  await expect.poll(() => page.locator(byTestId('user-name')).textContent()).toContain(user.name)
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(await overflow()).toBe(0)
  await chooseDocumentBySearch(page, '现场', doc)
  await pick(page, [fx.plain, fx.withGps], [fx.pdf])
  await waitForQueue(page, 3, ['ready', 'uploading', 'uploaded'])
  expect(await overflow()).toBe(0)
  const send = (await page.locator(byTestId('send-button')).boundingBox())!
  expect(send.x).toBeGreaterThanOrEqual(0)
  expect(send.x + send.width).toBeLessThanOrEqual(400)
  await saveScreen(page, 'pc-sidebar')
})

const VIEWPORTS: ViewportName[] = ['phone', 'desktop']
const SCHEMES = ['light', 'dark'] as const

/** The page's background as a luminance 0 (black) … 1 (white). */
async function backgroundLuminance(page: Page): Promise<number> {
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  const [r, g, b] = background.match(/\d+/g)!.map(Number)
  return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255
}

test.each(VIEWPORTS)(
  '%s: every screen follows the colour scheme as it changes and passes axe in light and dark (no serious or critical)',
  async (viewport) => {
    const { page } = await e2e.phone({ viewport })
    // A phone with a home indicator: the send bar must stay above it (viewport-fit=cover + safe-area insets).
    if (viewport === 'phone') {
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Emulation.setSafeAreaInsetsOverride', { insets: { top: 47, bottom: 34, left: 0, right: 0 } })
    }
    const found: string[] = []
    /** Audits the screen in both schemes, switching the device's scheme as a phone at dusk would. */
    const audit = async (screen: string, screenshot?: string) => {
      for (const scheme of SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme })
        // Our colours and Vant's dark theme both follow: a dark page in dark mode, a light one otherwise.
        await expect.poll(() => page.locator('.van-theme-dark').count()).toBe(scheme === 'dark' ? 1 : 0)
        const luminance = await backgroundLuminance(page)
        if (scheme === 'dark') expect(luminance, `${screen} background in dark mode`).toBeLessThan(0.2)
        else expect(luminance, `${screen} background in light mode`).toBeGreaterThan(0.8)
        for (const violation of await seriousViolations(page)) found.push(`${screen} (${scheme}): ${describeViolation(violation)}`)
        if (screenshot) await saveScreen(page, `${screenshot}-${scheme}`)
      }
    }

    await openApp(page, e2e.appUrl)
    await page.locator(byTestId(`signin-user-${user.userId}`)).waitFor({ state: 'visible' })
    await audit('sign-in')
    await signInAsDemoUser(page, user)
    await page.locator(byTestId(`workspace-${SEED.workspaces.product.workspaceId}`)).waitFor({ state: 'visible' })
    await audit('chooser')
    await chooseDocumentBySearch(page, '现场', doc)
    await pick(page, [fx.plain, fx.rotated], [fx.pdf])
    await waitForQueue(page, 3, ['ready', 'uploading', 'uploaded'])
    if (viewport === 'phone') {
      const send = (await page.locator(byTestId('send-button')).boundingBox())!
      expect(send.y + send.height, 'send button above the home indicator').toBeLessThanOrEqual(844 - 34)
    }
    await audit('composer', viewport)
    await page.locator(byTestId('send-button')).click()
    await waitForReceipt(page, 3)
    await audit('receipt')
    expect(found).toEqual([])
  },
)
