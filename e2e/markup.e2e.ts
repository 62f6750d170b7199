// Marking up a photo before it goes in (issue 17): every tool draws what it says into the JPEG the
// emulator holds (decoded here with sharp), marks survive a reload and stay editable, a photo marked
// after its upload is sent again and only the marked one is inserted, undo/redo and the PC keyboard
// work, a finger draws on a phone, and the editor passes axe in light and dark.
import { expect, test } from 'vitest'
import sharp from 'sharp'
import type { Page } from 'playwright-core'
import { SEED } from '../server/emulator/seed'
import type { EmulatorState } from '@testing/emulator-control'
import { describeViolation, seriousViolations } from './a11y'
import { blockIds, blockRefersTo, byTestId, pick, signInAndChoose, waitForQueue, waitForReceipt } from './flows'
import { useE2E, useFixtures } from './harness'

const e2e = useE2E()
const fx = useFixtures()
const user = SEED.users.lina
const doc = SEED.docs.sitePhotos

type Pct = [number, number]

/** Opens the app on the desktop (mouse) or the phone (touch), signed in, with the document chosen. */
async function start(viewport: 'desktop' | 'phone') {
  const phone = await e2e.phone({ viewport })
  await signInAndChoose(phone.page, e2e.appUrl, user, '现场', doc)
  return phone
}

async function openEditor(page: Page): Promise<void> {
  await page.locator(byTestId('markup-open')).first().click()
  await page.locator(`${byTestId('markup-canvas')}[data-ready="true"]`).waitFor({ state: 'visible' })
}

/** A page position at x %, y % of the drawing surface. */
async function at(page: Page, [x, y]: Pct): Promise<[number, number]> {
  const box = (await page.locator(byTestId('markup-canvas')).boundingBox())!
  return [box.x + (box.width * x) / 100, box.y + (box.height * y) / 100]
}

/** Mouse: press at `from`, move in steps, release at `to` (through `via` first, for the pen). */
async function drag(page: Page, from: Pct, to: Pct, via: Pct[] = []): Promise<void> {
  await page.mouse.move(...(await at(page, from)))
  await page.mouse.down()
  for (const p of [...via, to]) await page.mouse.move(...(await at(page, p)), { steps: 4 })
  await page.mouse.up()
}

async function tool(page: Page, name: string): Promise<void> {
  await page.locator(byTestId(`markup-tool-${name}`)).click()
}

async function uploadCount(): Promise<number> {
  return (await e2e.emulator.state()).resources.filter((r) => r.docId === doc.docId && r.uploaded).length
}

/** Sends the batch and returns the pixels of the one photo the document received, and what was uploaded. */
async function sendAndReadInserted(page: Page, before: Set<string>) {
  await page.locator(byTestId('send-button')).click()
  await waitForReceipt(page, 1)
  const state = await e2e.emulator.state()
  const added = state.documents.find((d) => d.docId === doc.docId)!.blocks.filter((b) => !before.has(b.id))
  expect(added).toHaveLength(1)
  const uploaded = state.resources.filter((r) => r.docId === doc.docId && r.uploaded)
  const inserted = uploaded.filter((r) => blockRefersTo(added[0]!, r))
  expect(inserted).toHaveLength(1)
  const bytes = await e2e.emulator.resourceBytes(inserted[0]!.resourceUrl)
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { pixels: new Pixels(data, info.width, info.height), uploaded, inserted: inserted[0]! as EmulatorState['resources'][number] }
}

class Pixels {
  constructor(
    readonly data: Buffer,
    readonly width: number,
    readonly height: number,
  ) {}
  rgb([x, y]: Pct): [number, number, number] {
    const px = Math.min(this.width - 1, Math.round((this.width * x) / 100))
    const py = Math.min(this.height - 1, Math.round((this.height * y) / 100))
    const i = (py * this.width + px) * 3
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!]
  }
  isRed(p: Pct): boolean {
    const [r, g, b] = this.rgb(p)
    return r > 170 && g < 110 && b < 110
  }
  /** Pixels of the box (x %, y % corners), each as [r, g, b]. */
  region([x0, y0]: Pct, [x1, y1]: Pct): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = []
    for (let y = Math.round((this.height * y0) / 100); y < Math.round((this.height * y1) / 100); y++) {
      for (let x = Math.round((this.width * x0) / 100); x < Math.round((this.width * x1) / 100); x++) {
        const i = (y * this.width + x) * 3
        out.push([this.data[i]!, this.data[i + 1]!, this.data[i + 2]!])
      }
    }
    return out
  }
  /**
   * Whether the box is made of flat tiles: in each `tile`×`tile` cell of the photo's grid inside it,
   * every pixel (but a 2 px rim the JPEG blurs) is within a few levels of the cell's first one.
   */
  blocky([x0, y0]: Pct, [x1, y1]: Pct, tile: number): { flatCells: number; cells: number; colours: number } {
    let flatCells = 0
    let cells = 0
    const colours = new Set<string>()
    const left = Math.ceil((this.width * x0) / 100 / tile) * tile
    const top = Math.ceil((this.height * y0) / 100 / tile) * tile
    for (let cy = top; cy + tile <= (this.height * y1) / 100; cy += tile) {
      for (let cx = left; cx + tile <= (this.width * x1) / 100; cx += tile) {
        cells++
        const first = (cy + 2) * this.width + cx + 2
        const ref = [this.data[first * 3]!, this.data[first * 3 + 1]!, this.data[first * 3 + 2]!]
        colours.add(ref.map((v) => v >> 3).join(','))
        let flat = true
        for (let y = cy + 2; y < cy + tile - 2 && flat; y++) {
          for (let x = cx + 2; x < cx + tile - 2; x++) {
            const i = (y * this.width + x) * 3
            if (Math.abs(this.data[i]! - ref[0]!) + Math.abs(this.data[i + 1]! - ref[1]!) + Math.abs(this.data[i + 2]! - ref[2]!) > 12) {
              flat = false
              break
            }
          }
        }
        if (flat) flatCells++
      }
    }
    return { flatCells, cells, colours: colours.size }
  }
}

const box = (x0: number, y0: number, x1: number, y1: number): [Pct, Pct] => [
  [x0, y0],
  [x1, y1],
]
const RECT = box(8, 8, 28, 28)
const ELLIPSE = box(38, 8, 58, 28)
const ARROW = box(68, 18, 92, 18)
const COVER = box(38, 40, 60, 62)
const PIXELATE = box(68, 40, 92, 62)

test('every tool draws what it says into the JPEG the document gets; a photo marked after its upload is sent again and only the marked one goes in', async () => {
  const { page } = await start('desktop')
  const before = blockIds(await e2e.emulator.state())
  await pick(page, [fx.plain], [])
  await waitForQueue(page, 1, ['uploaded'])
  expect(await uploadCount()).toBe(1)

  await openEditor(page)
  await tool(page, 'rect')
  await drag(page, ...RECT)
  await tool(page, 'ellipse')
  await drag(page, ...ELLIPSE)
  await tool(page, 'arrow')
  await drag(page, ...ARROW)
  await tool(page, 'pen')
  await drag(page, [8, 45], [28, 45], [[18, 55]])
  await tool(page, 'cover')
  await drag(page, ...COVER)
  await tool(page, 'pixelate')
  await drag(page, ...PIXELATE)
  await tool(page, 'text')
  await drag(page, [10, 75], [10, 75])
  await page.locator(byTestId('markup-text-input')).fill('裂缝 crack')
  await page.keyboard.press('Enter')
  await page.locator(byTestId('markup-done')).click()
  await page.locator(byTestId('markup-canvas')).waitFor({ state: 'detached' })

  // The marked photo goes up again; the earlier, unmarked upload is not inserted.
  await expect.poll(uploadCount, { timeout: 30_000 }).toBe(2)
  await waitForQueue(page, 1, ['uploaded'])
  const { pixels, uploaded, inserted } = await sendAndReadInserted(page, before)
  expect(uploaded).toHaveLength(2)
  expect(inserted.resourceId).toBe(uploaded.at(-1)!.resourceId)
  expect([pixels.width, pixels.height]).toEqual([1024, 768])

  // Red where the rectangle's left edge, the ellipse's leftmost point, the arrow's shaft and the pen's path are.
  expect(pixels.isRed([8, 18]), 'rectangle edge').toBe(true)
  expect(pixels.isRed([18, 8]), 'rectangle top').toBe(true)
  expect(pixels.isRed([18, 18]), 'inside the rectangle: photo').toBe(false)
  expect(pixels.isRed([38, 18]), 'ellipse left').toBe(true)
  expect(pixels.isRed([48, 28]), 'ellipse bottom').toBe(true)
  expect(pixels.isRed([78, 18]), 'arrow shaft').toBe(true)
  expect(pixels.isRed([8, 45]), 'pen start').toBe(true)
  // Text: red glyphs somewhere in its line.
  expect(pixels.region([10, 76], [40, 84]).filter(([r, g, b]) => r > 170 && g < 110 && b < 110).length, 'red text').toBeGreaterThan(50)
  // The cover box is uniform black.
  const cover = pixels.region([39, 41], [59, 61])
  expect(cover.every(([r, g, b]) => r < 16 && g < 16 && b < 16)).toBe(true)
  // The pixelate box is flat tiles (16 px at this size), of several colours; the photo outside is not.
  const tile = 16
  const blocky = pixels.blocky(...PIXELATE, tile)
  expect(blocky.cells).toBeGreaterThan(100)
  expect(blocky.flatCells).toBe(blocky.cells)
  expect(blocky.colours).toBeGreaterThan(5)
  const photo = pixels.blocky([5, 88], [30, 99], tile)
  expect(photo.flatCells).toBeLessThan(photo.cells / 2)
})

test('marks survive a reload and can be selected, moved and deleted again; undo, redo and the PC keyboard work', async () => {
  const { page } = await start('desktop')
  const before = blockIds(await e2e.emulator.state())
  await pick(page, [fx.plain], [])
  await waitForQueue(page, 1, ['uploaded'])

  await openEditor(page)
  await tool(page, 'rect')
  await drag(page, ...RECT)
  await tool(page, 'cover')
  await drag(page, ...COVER)
  await page.keyboard.press('Control+z') // the cover is gone …
  await page.keyboard.press('Control+Shift+z') // … back …
  await page.keyboard.press('Control+z') // … and gone again
  await page.keyboard.press('Control+y')
  await page.locator(byTestId('markup-undo')).click()
  await expect.poll(() => page.locator(byTestId('markup-redo')).isEnabled()).toBe(true)
  await page.locator(byTestId('markup-done')).click()
  await expect.poll(uploadCount, { timeout: 30_000 }).toBe(2)
  await waitForQueue(page, 1, ['uploaded'])

  // Esc cancels: a mark drawn then is not kept, and nothing new is sent.
  const sent = await uploadCount()
  await openEditor(page)
  await tool(page, 'ellipse')
  await drag(page, ...ELLIPSE)
  await page.keyboard.press('Escape')
  await page.locator(byTestId('markup-canvas')).waitFor({ state: 'detached' })
  // Focus went back to what opened the editor.
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('markup-open')

  await page.reload()
  await waitForQueue(page, 1, ['uploaded'])
  expect(await uploadCount()).toBe(sent)

  // After the reload the rectangle is still there: select it with a click and drag it down; draw an
  // ellipse, select it, and Delete removes it; draw an arrow.
  await openEditor(page)
  await tool(page, 'arrow')
  await page.mouse.click(...(await at(page, [8, 18])))
  await expect.poll(() => page.locator(byTestId('markup-delete')).isEnabled()).toBe(true)
  await drag(page, [8, 18], [8, 68])
  await tool(page, 'ellipse')
  await drag(page, ...ELLIPSE)
  await page.mouse.click(...(await at(page, [38, 18])))
  await expect.poll(() => page.locator(byTestId('markup-delete')).isEnabled()).toBe(true)
  await page.keyboard.press('Delete')
  await tool(page, 'arrow')
  await drag(page, ...ARROW)
  await page.locator(byTestId('markup-done')).click()
  await expect.poll(uploadCount, { timeout: 30_000 }).toBe(3)
  await waitForQueue(page, 1, ['uploaded'])

  const { pixels } = await sendAndReadInserted(page, before)
  expect(pixels.isRed([8, 18]), 'rectangle moved away').toBe(false)
  expect(pixels.isRed([8, 68]), 'rectangle moved here').toBe(true)
  expect(pixels.isRed([38, 18]), 'ellipse deleted').toBe(false)
  expect(pixels.isRed([78, 18]), 'arrow drawn').toBe(true)
  expect(
    pixels.rgb([49, 51]).some((v) => v > 40),
    'cover undone',
  ).toBe(true)
})

test('one finger draws on a phone (touch events), and the editor passes axe in light and dark', async () => {
  const { page } = await start('phone')
  const before = blockIds(await e2e.emulator.state())
  await pick(page, [fx.plain], [])
  await waitForQueue(page, 1, ['ready', 'uploading', 'uploaded'])
  await openEditor(page)

  const found: string[] = []
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    for (const violation of await seriousViolations(page)) found.push(`editor (${colorScheme}): ${describeViolation(violation)}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })
  expect(found).toEqual([])

  await tool(page, 'rect')
  const cdp = await page.context().newCDPSession(page)
  const touch = async (type: 'touchStart' | 'touchMove' | 'touchEnd', p?: Pct) => {
    const points = p ? [await at(page, p)].map(([x, y]) => ({ x, y })) : []
    await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points })
  }
  await touch('touchStart', RECT[0])
  for (const step of [0.25, 0.5, 0.75, 1]) {
    await touch('touchMove', [RECT[0][0] + (RECT[1][0] - RECT[0][0]) * step, RECT[0][1] + (RECT[1][1] - RECT[0][1]) * step])
  }
  await touch('touchEnd')
  await expect.poll(() => page.locator(byTestId('markup-undo')).isEnabled()).toBe(true)
  await page.locator(byTestId('markup-done')).tap()
  await waitForQueue(page, 1, ['uploaded'])

  const { pixels } = await sendAndReadInserted(page, before)
  expect(pixels.isRed([8, 18]), 'rectangle edge drawn by touch').toBe(true)
})
