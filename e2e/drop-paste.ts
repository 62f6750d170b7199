// Files dragged onto the page or pasted from the clipboard, as the browser delivers them: a real
// DataTransfer holding File objects, in dragenter/dragover/drop and paste events dispatched in the page.
import type { JSHandle, Page } from 'playwright-core'
import type { FixtureFile } from '@testing/phone-photos'

/** A DataTransfer in the page holding `files` (bytes copied in as base64). */
async function transferOf(page: Page, files: FixtureFile[]): Promise<JSHandle<DataTransfer>> {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, base64: f.buffer.toString('base64') }))
  return page.evaluateHandle((items) => {
    const transfer = new DataTransfer()
    for (const item of items) {
      const bytes = Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0))
      transfer.items.add(new File([bytes], item.name, { type: item.type }))
    }
    return transfer
  }, payload)
}

/** Files held over the page (dragenter + dragover on the body), not yet dropped. */
export async function dragOver(page: Page, files: FixtureFile[]): Promise<void> {
  const dataTransfer = await transferOf(page, files)
  await page.dispatchEvent('body', 'dragenter', { dataTransfer })
  await page.dispatchEvent('body', 'dragover', { dataTransfer })
}

/** Files dropped onto the page (dragenter, dragover, drop). */
export async function dropFiles(page: Page, files: FixtureFile[]): Promise<void> {
  const dataTransfer = await transferOf(page, files)
  await page.dispatchEvent('body', 'dragenter', { dataTransfer })
  await page.dispatchEvent('body', 'dragover', { dataTransfer })
  await page.dispatchEvent('body', 'drop', { dataTransfer })
}

/** Ctrl/Cmd+V with `files` on the clipboard (a screenshot, a copied image or copied files). */
export async function pasteFiles(page: Page, files: FixtureFile[]): Promise<void> {
  const clipboardData = await transferOf(page, files)
  await page.evaluate((data) => {
    const target = document.activeElement ?? document.body
    target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, clipboardData)
}
