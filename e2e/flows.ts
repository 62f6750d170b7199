// What a person does in the app, step by step, through the app's data-testids, plus the checks on
// the emulator's state that tell whether the document really got the items.
import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import type { FixtureFile } from '@testing/phone-photos'
import type { EmulatorBlock, EmulatorState } from '@testing/emulator-control'
import { DEFAULT_CORP_ID } from '../server/emulator/index'

export type QueueStatus = 'preparing' | 'ready' | 'uploading' | 'uploaded' | 'inserting' | 'inserted' | 'failed'

export const byTestId = (id: string): string => `[data-testid="${id}"]`

/** Opens the app in a normal browser: the sandbox banner and the demo users are offered. */
export async function openApp(page: Page, appUrl: string): Promise<void> {
  await page.goto(`${appUrl}/`)
  await page.locator(byTestId('sandbox-banner')).waitFor({ state: 'visible' })
}

/** Sandbox path: the person taps "sign in as <user>" and sees their name. */
export async function signInAsDemoUser(page: Page, user: { userId: string; name: string }): Promise<void> {
  await page.locator(byTestId(`signin-user-${user.userId}`)).click()
  await expect.poll(() => page.locator(byTestId('user-name')).textContent()).toContain(user.name)
}

/** Types a fragment of the name into the search box and taps the document in the results. */
export async function chooseDocumentBySearch(page: Page, query: string, doc: { docId: string; name: string }): Promise<void> {
  await page.locator(byTestId('doc-search')).fill(query)
  const item = page.locator(byTestId(`doc-item-${doc.docId}`))
  await item.waitFor({ state: 'visible' })
  expect(await item.getAttribute('data-editable'), `${doc.name} offered as editable`).toBe('true')
  await item.click()
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(doc.name)
}

/** Sandbox path to the composer: opens the app, signs in as `user` and chooses `doc` by searching `query`. */
export async function signInAndChoose(
  page: Page,
  appUrl: string,
  user: { userId: string; name: string },
  query: string,
  doc: { docId: string; name: string },
): Promise<void> {
  await openApp(page, appUrl)
  await signInAsDemoUser(page, user)
  await chooseDocumentBySearch(page, query, doc)
}

/**
 * DingTalk path: opens the homepage URL as DingTalk does (the emulator's organisation filled in for
 * `$CORPID$`) and waits until the page, given an auth code by the bridge, shows `user` signed in.
 */
export async function openInDingTalk(page: Page, appUrl: string, user: { name: string }): Promise<void> {
  await page.goto(`${appUrl}/?corpId=${DEFAULT_CORP_ID}`)
  await expect.poll(() => page.locator(byTestId('user-name')).textContent()).toContain(user.name)
}

/** Pastes an alidocs link and submits it. */
export async function submitDocumentLink(page: Page, url: string): Promise<void> {
  await page.locator(byTestId('doc-link-input')).fill(url)
  await page.locator(byTestId('doc-link-submit')).click()
}

/** Unfolds the composer's batch options (original, taken-at, evidence stamp, place) when folded. */
export async function openBatchOptions(page: Page): Promise<void> {
  const head = page.locator(byTestId('batch-options'))
  if ((await head.getAttribute('aria-expanded')) !== 'true') await head.click()
}

/** Picks photos through the photo input and files through the file input, in that order. */
export async function pick(page: Page, photos: FixtureFile[], files: FixtureFile[]): Promise<void> {
  if (photos.length) await page.locator(byTestId('photo-input')).setInputFiles(photos)
  if (files.length) await page.locator(byTestId('file-input')).setInputFiles(files)
}

/** The queue as the page shows it: one entry per `queue-item`, in display order. */
export async function queueSnapshot(page: Page): Promise<Array<{ name: string; status: string }>> {
  return page
    .locator(byTestId('queue-item'))
    .evaluateAll((items) =>
      items.map((item) => ({ name: item.getAttribute('data-name') ?? '', status: item.getAttribute('data-status') ?? '' })),
    )
}

/**
 * Waits until exactly `count` queue items are shown and every one has a status in `statuses`
 * (polled in the page, so no fixed sleeps). Fails early, with the queue in the message, if an item fails.
 */
export async function waitForQueue(page: Page, count: number, statuses: QueueStatus[], timeout = 60_000): Promise<void> {
  await page
    .waitForFunction(
      ({ count, statuses }) => {
        const items = [...document.querySelectorAll('[data-testid="queue-item"]')]
        const seen = items.map((i) => i.getAttribute('data-status') ?? '')
        if (!(statuses as string[]).includes('failed') && seen.includes('failed'))
          throw new Error(`a queue item failed: ${seen.join(', ')}`)
        return items.length === count && seen.every((s) => (statuses as string[]).includes(s))
      },
      { count, statuses },
      { timeout, polling: 100 },
    )
    .catch(async (error: unknown) => {
      throw new Error(`queue did not reach ${count}×[${statuses.join('|')}]: ${JSON.stringify(await queueSnapshot(page))}`, {
        cause: error,
      })
    })
}

/**
 * Waits (polling the queue's data-status attributes every 50 ms) until the statuses satisfy `moment`,
 * e.g. "one item uploading while another is still being prepared".
 */
export async function waitForQueueMoment(
  page: Page,
  description: string,
  moment: (statuses: string[]) => boolean,
  timeout = 60_000,
): Promise<void> {
  await expect
    .poll(async () => moment((await queueSnapshot(page)).map((i) => i.status)), { timeout, interval: 50, message: description })
    .toBe(true)
}

/** Waits until at least one queue item has the given status. */
export async function waitForAnyQueueItem(page: Page, status: QueueStatus, timeout = 60_000): Promise<void> {
  await page
    .locator(`${byTestId('queue-item')}[data-status="${status}"]`)
    .first()
    .waitFor({ state: 'attached', timeout })
}

/** Waits for the receipt and returns its rows. */
export async function waitForReceipt(page: Page, count: number, timeout = 120_000): Promise<Array<{ name: string; status: string }>> {
  await page.locator(byTestId('receipt')).waitFor({ state: 'visible', timeout })
  const rows = page.locator(byTestId('receipt-item'))
  await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(count)
  return rows.evaluateAll((items) =>
    items.map((item) => ({ name: item.getAttribute('data-name') ?? '', status: item.getAttribute('data-status') ?? '' })),
  )
}

/** Ids of every block of every document, to tell the blocks a test inserted from the seed's. */
export function blockIds(state: EmulatorState): Set<string> {
  return new Set(state.documents.flatMap((d) => d.blocks.map((b) => b.id)))
}

/** Every string in a block's own fields and inline children that could name a resource (src, href, resourceId). */
export function blockReferences(block: EmulatorBlock): string[] {
  const refs: string[] = []
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (key === 'src' || key === 'href' || key === 'resourceId') refs.push(value)
    } else if (Array.isArray(value)) {
      value.forEach((v) => visit(v, key))
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k)
    }
  }
  visit(block, '')
  return refs
}

/** Whether a block refers to the resource (by its url or its id). */
export function blockRefersTo(block: EmulatorBlock, resource: EmulatorState['resources'][number]): boolean {
  return blockReferences(block).some(
    (ref) => ref === resource.resourceId || ref === resource.resourceUrl || ref.includes(`/${resource.resourceId}`),
  )
}

/** The image `src`s of a paragraph block's inline image children. */
export function imageSources(block: EmulatorBlock): string[] {
  return (block.children ?? []).flatMap((child) => {
    const c = child as { elementType?: string; properties?: { src?: unknown } }
    return c.elementType === 'image' && typeof c.properties?.src === 'string' ? [c.properties.src] : []
  })
}

/**
 * For each picked file name: the blocks of the document that hold it. A file whose upload restarted can
 * have several resources (only one of them inserted); every block that refers to any of them counts.
 */
export function blocksPerItem(state: EmulatorState, docId: string, names: string[], before: Set<string>): Map<string, EmulatorBlock[]> {
  const doc = state.documents.find((d) => d.docId === docId)
  if (!doc) throw new Error(`document ${docId} missing from emulator state`)
  const added = doc.blocks.filter((b) => !before.has(b.id))
  return new Map(
    names.map((name): [string, EmulatorBlock[]] => {
      const resources = state.resources.filter((r) => r.docId === docId && r.resourceName === name)
      return [name, added.filter((block) => resources.some((r) => blockRefersTo(block, r)))]
    }),
  )
}

/**
 * Every picked item is in the document exactly once (one block refers to it), and the blocks added
 * since `before` are those items in the picked order.
 */
export function expectEachInsertedOnce(state: EmulatorState, docId: string, names: string[], before: Set<string>): void {
  const perItem = blocksPerItem(state, docId, names, before)
  for (const [name, blocks] of perItem) expect(blocks, `blocks holding ${name}`).toHaveLength(1)
  const added = state.documents
    .find((d) => d.docId === docId)!
    .blocks.filter((b) => !before.has(b.id))
    .sort((a, b) => a.index - b.index)
  expect(added.map((b) => b.id)).toEqual(names.map((name) => perItem.get(name)![0]!.id))
}
