// The main flow on a phone browser (sandbox): sign in, choose a document, pick three photos and a PDF,
// send, and find them in the DingTalk document in the picked order, upright, without location, intact.
// It runs once per emulator answer profile (rich, documented, minimal: server/emulator/README.md), each
// against its own server and emulator, because what DingTalk echoes back must not change the outcome.
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import exifr from 'exifr'
import sharp from 'sharp'
import { PROFILES } from '../server/emulator/index'
import { SEED } from '../server/emulator/seed'
import { saveScreen } from './browser'
import {
  blockIds,
  blockRefersTo,
  blocksPerItem,
  byTestId,
  chooseDocumentBySearch,
  imageSources,
  openApp,
  openBatchOptions,
  pick,
  queueSnapshot,
  signInAsDemoUser,
  waitForQueue,
  waitForReceipt,
} from './flows'
import { useE2E, useFixtures } from './harness'

describe.each(PROFILES)('in the %s emulator profile', (profile) => {
  const e2e = useE2E({ profile })
  const fx = useFixtures()

  /** The README's screenshots come from the rich profile's run only (the screens look the same in each). */
  const screen = (page: Page, name: string): Promise<void> => (profile === 'rich' ? saveScreen(page, name) : Promise.resolve())

  test('three photos and a PDF land in the document once each, in the picked order, upright and without GPS', async () => {
    const { page } = await e2e.phone()
    const user = SEED.users.lina
    const doc = SEED.docs.sitePhotos
    const picked = [fx.rotated, fx.withGps, fx.plain, fx.pdf]
    const names = picked.map((f) => f.name)
    const before = blockIds(await e2e.emulator.state())

    await openApp(page, e2e.appUrl)
    await page.locator(byTestId(`signin-user-${user.userId}`)).waitFor({ state: 'visible' })
    await screen(page, 'sign-in')
    await signInAsDemoUser(page, user)

    // The chooser's first screen: knowledge bases (and, later, recent documents) next to search and paste.
    await page.locator(byTestId(`workspace-${SEED.workspaces.product.workspaceId}`)).waitFor({ state: 'visible' })
    await screen(page, 'chooser')
    await chooseDocumentBySearch(page, '现场', doc)

    await pick(page, [fx.rotated, fx.withGps, fx.plain], [fx.pdf])
    await waitForQueue(page, 4, ['ready', 'uploading', 'uploaded'])
    expect((await queueSnapshot(page)).map((i) => i.name)).toEqual(names)
    await screen(page, 'queue')

    await page.locator(byTestId('send-button')).click()
    const receipt = await waitForReceipt(page, 4)
    expect(receipt).toEqual(names.map((name) => ({ name, status: 'inserted' })))
    await screen(page, 'receipt')

    // DingTalk's side: four new blocks, one per item, in the picked order.
    const state = await e2e.emulator.state()
    const target = state.documents.find((d) => d.docId === doc.docId)!
    const added = target.blocks.filter((b) => !before.has(b.id)).sort((a, b) => a.index - b.index)
    expect(added).toHaveLength(4)
    const perItem = blocksPerItem(state, doc.docId, names, before)
    for (const [name, blocks] of perItem) expect(blocks, `blocks holding ${name}`).toHaveLength(1)
    expect(names.map((name) => perItem.get(name)![0]!.id)).toEqual(added.map((b) => b.id))
    // Nothing landed anywhere else.
    const elsewhere = state.documents.filter((d) => d.docId !== doc.docId).flatMap((d) => d.blocks.filter((b) => !before.has(b.id)))
    expect(elsewhere).toEqual([])

    const resourceOf = (name: string) => {
      const found = state.resources.filter((r) => r.docId === doc.docId && r.resourceName === name && r.uploaded)
      expect(found, `uploaded resources named ${name}`).toHaveLength(1)
      return found[0]!
    }

    // Photos: a paragraph whose image child shows the uploaded resource.
    for (const photo of [fx.rotated, fx.withGps, fx.plain]) {
      const resource = resourceOf(photo.name)
      const block = perItem.get(photo.name)![0]!
      expect(block.blockType).toBe('paragraph')
      expect(imageSources(block)).toEqual([resource.resourceUrl])
      expect(resource.mediaType).toBe('image/jpeg')

      const bytes = await e2e.emulator.resourceBytes(resource.resourceUrl)
      expect(bytes.length).toBe(resource.size)
      const meta = await sharp(bytes).metadata()
      expect(meta.format).toBe('jpeg')
      expect([undefined, 1]).toContain(meta.orientation)
      expect(await exifr.gps(bytes).catch(() => undefined), `GPS left in ${photo.name}`).toBeFalsy()
      if (photo === fx.rotated) {
        // Stored 1600×1200 with Orientation 6: the person saw it portrait, so must the document.
        expect(meta.width).toBeLessThan(meta.height!)
        expect([meta.width, meta.height]).toEqual([1200, 1600])
      }
    }
    // The GPS fixture really had a location before it went through the app (the check above can fail).
    expect((await exifr.gps(fx.withGps.buffer))?.latitude).toBeCloseTo(30.25, 1)

    // The PDF: an attachment block (or the documented link fallback) naming the file; bytes unchanged.
    const pdf = resourceOf(fx.pdf.name)
    const pdfBlock = perItem.get(fx.pdf.name)![0]!
    expect(blockRefersTo(pdfBlock, pdf)).toBe(true)
    if (pdfBlock.blockType === 'attachment') {
      expect(pdfBlock.attachment).toMatchObject({ resourceId: pdf.resourceId, name: fx.pdf.name })
    } else {
      expect(pdfBlock.blockType).toBe('paragraph')
      expect(JSON.stringify(pdfBlock.children)).toContain(fx.pdf.name)
    }
    expect(pdf.mediaType).toBe('application/pdf')
    expect((await e2e.emulator.resourceBytes(pdf.resourceUrl)).equals(fx.pdf.buffer)).toBe(true)

    // "Open document" shows the document (the emulator's view in sandbox) with the three photos rendered.
    const [view] = await Promise.all([page.context().waitForEvent('page'), page.locator(byTestId('open-document')).click()])
    await view.waitForLoadState('load')
    expect(view.url()).toContain(doc.docId)
    await expect
      .poll(() =>
        view
          .locator('img')
          .evaluateAll((imgs) => (imgs as HTMLImageElement[]).filter((img) => img.complete && img.naturalWidth > 0).length),
      )
      .toBeGreaterThanOrEqual(3)
    await expect.poll(() => view.locator('body').textContent()).toContain(fx.pdf.name)
    await screen(view, 'document')
  })

  test('with "original" on, a photo goes into the document with every pixel unchanged, only its location removed', async () => {
    const { page } = await e2e.phone()
    const user = SEED.users.lina
    const doc = SEED.docs.sitePhotos
    await openApp(page, e2e.appUrl)
    await signInAsDemoUser(page, user)
    await chooseDocumentBySearch(page, '现场', doc)

    await openBatchOptions(page)
    await page.locator(byTestId('original-toggle')).check()
    await pick(page, [fx.withGps], [])
    await page.locator(byTestId('send-button')).click()
    expect(await waitForReceipt(page, 1)).toEqual([{ name: fx.withGps.name, status: 'inserted' }])

    const state = await e2e.emulator.state()
    const resource = state.resources.find((r) => r.docId === doc.docId && r.resourceName === fx.withGps.name && r.uploaded)!
    const bytes = await e2e.emulator.resourceBytes(resource.resourceUrl)
    // Not re-encoded: the decoded pixels are exactly the picked photo's.
    const [sent, picked] = await Promise.all([sharp(bytes).raw().toBuffer(), sharp(fx.withGps.buffer).raw().toBuffer()])
    expect(sent.equals(picked)).toBe(true)
    expect(await exifr.gps(bytes).catch(() => undefined), 'GPS left in the original').toBeFalsy()
    // Only metadata went: the file is no bigger, and smaller by at most a few KB.
    expect(bytes.length).toBeLessThan(fx.withGps.buffer.length)
    expect(fx.withGps.buffer.length - bytes.length).toBeLessThan(4096)
  })
})
