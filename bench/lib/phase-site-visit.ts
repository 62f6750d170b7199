/**
 * `siteVisit`: a morning on a roof (issue 18). The real H5 in headless Chromium with the CPU
 * throttled 4× and a 10 Mbit/s, 150 ms link that is off while photos are added: 200 phone photos
 * (12 MP, four of them 48 MP) picked in batches of 50 for two documents, each batch sent while
 * offline; then the link comes back and everything goes in (bench/README.md).
 *
 * - addSeconds: from the first pick until every photo is prepared and its batch sent (offline).
 * - longestTaskMs: the longest main-thread task (PerformanceObserver `longtask`) while adding.
 * - peakHeapMB: the page's largest JS heap (CDP Performance.getMetrics `JSHeapUsedSize`, sampled).
 * - storedMB: what the origin stores once everything is added (navigator.storage.estimate).
 * - sendSeconds: from the link coming back until every batch is in; preparedLinkSeconds: the
 *   prepared bytes that went up, at 10 Mbit/s.
 * - failures: photos not in their document; duplicates: blocks beyond one per photo.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CDPSession, Page } from 'playwright-core'
import { launchChromium } from '../../e2e/browser'
import { editablePairs, getState, resetEmulator, type EmulatorState } from '../../testing/emulator-control'
import { startChildServer } from '../../testing/drills/processes'
import { phonePhoto } from '../../testing/phone-photos'
import { progress } from './report'

const PHOTOS = 200
const LARGE_PHOTOS = 4
const BATCH = 50
const CPU_SLOWDOWN = 4
const UPLINK_BITS_PER_SEC = 10e6
const DOWNLINK_BITS_PER_SEC = 20e6
const RTT_MS = 150
/** One step (a sign-in, a batch prepared, everything sent) may take this long on a busy two-core machine. */
const STEP_TIMEOUT_MS = 600_000
const UI_TIMEOUT_MS = 60_000

export interface SiteVisitResult {
  photos: number
  addSeconds: number
  longestTaskMs: number
  peakHeapMB: number
  storedMB: number
  sendSeconds: number
  preparedLinkSeconds: number
  failures: number
  duplicates: number
}

/** 200 phone photos on disk (cached in bench/fixtures/site-visit/): every 50th is 48 MP. */
async function ensureSiteVisitPhotos(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true })
  const paths: string[] = []
  for (let i = 0; i < PHOTOS; i++) {
    const large = i % (PHOTOS / LARGE_PHOTOS) === PHOTOS / LARGE_PHOTOS - 1
    const path = join(dir, `site-${String(i + 1).padStart(3, '0')}${large ? '-48mp' : ''}.jpg`)
    if (!existsSync(path)) {
      writeFileSync(path, (await phonePhoto(large ? 48 : 12, 9000 + i)).buffer)
      if (i % 20 === 0) progress('siteVisit', `generated ${i + 1}/${PHOTOS} photos`)
    }
    paths.push(path)
  }
  return paths
}

async function link(cdp: CDPSession, offline: boolean): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', {
    offline,
    latency: RTT_MS,
    uploadThroughput: UPLINK_BITS_PER_SEC / 8,
    downloadThroughput: DOWNLINK_BITS_PER_SEC / 8,
  })
}

/** Samples the page's JS heap every half second until stopped; returns the peak in MB. */
function sampleHeap(cdp: CDPSession): { stop(): Promise<number> } {
  let peak = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const { metrics } = await cdp.send('Performance.getMetrics')
      const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0
      peak = Math.max(peak, used)
      await new Promise((r) => setTimeout(r, 500))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return peak / 1e6
    },
  }
}

async function queueStatuses(page: Page): Promise<string[]> {
  return page.locator('[data-testid="queue-item"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status') ?? ''))
}

/** Blocks added to `docId` (not in `before`) and the resources they hold. */
function addedImageBlocks(state: EmulatorState, docIds: string[], before: Set<string>): number {
  return state.documents.filter((d) => docIds.includes(d.docId)).flatMap((d) => d.blocks.filter((b) => !before.has(b.id))).length
}

export async function runSiteVisit(emulatorUrl: string, env: Record<string, string>, fixturesDir: string): Promise<SiteVisitResult> {
  const photos = await ensureSiteVisitPhotos(fixturesDir)
  await resetEmulator(emulatorUrl)
  const initial = await getState(emulatorUrl)
  const pairs = editablePairs(initial)
  const byUser = new Map<string, string[]>()
  for (const p of pairs) byUser.set(p.userId, [...(byUser.get(p.userId) ?? []), p.docId])
  const before = new Set(initial.documents.flatMap((d) => d.blocks.map((b) => b.id)))

  const browser = await launchChromium()
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined
  try {
    server = await startChildServer({ ...env, EMULATOR_URL: emulatorUrl }, { showOutput: true })
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    await context.addInitScript(() => {
      const w = window as unknown as { __longestTask: number; __measuring: boolean }
      w.__longestTask = 0
      w.__measuring = false
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (w.__measuring) w.__longestTask = Math.max(w.__longestTask, entry.duration)
      }).observe({ type: 'longtask', buffered: false })
    })
    const page = await context.newPage()
    page.setDefaultTimeout(UI_TIMEOUT_MS)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Performance.enable')
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
    await link(cdp, false)

    // Online once: signed in as someone with a demo button who can edit two documents, both documents
    // opened (so both are recent), the service worker installed.
    await page.goto(server.url)
    await page.locator('[data-testid^="signin-user-"]').first().waitFor()
    const buttons = await page.locator('[data-testid^="signin-user-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))
    const [userId, docIds] = [...byUser].find(([user, ids]) => ids.length >= 2 && buttons.includes(`signin-user-${user}`)) ?? []
    if (!userId || !docIds) throw new Error(`no person with a demo button who can edit two documents; buttons: ${buttons.join(', ')}`)
    const docs = docIds.slice(0, 2).map((id) => initial.documents.find((d) => d.docId === id)!)
    progress('siteVisit', `signing in as ${userId}`)
    await page.getByTestId(`signin-user-${userId}`).click()
    for (const doc of [docs[1]!, docs[0]!]) {
      if (await page.getByTestId('change-doc').isVisible()) await page.getByTestId('change-doc').click()
      await page.getByTestId('doc-link-input').fill(doc.url)
      await page.getByTestId('doc-link-submit').click()
      await page.getByTestId('selected-doc').filter({ hasText: doc.name }).waitFor()
      progress('siteVisit', `opened ${doc.docId}`)
    }
    // The app reopened offline needs the service worker; adding offline does not (the page stays open).
    const installed = await page.evaluate(() =>
      Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]),
    )
    progress('siteVisit', installed ? 'service worker installed' : 'service worker not ready after 30 s; going on')

    progress('siteVisit', `offline: ${PHOTOS} photos in batches of ${BATCH} for ${docs.map((d) => d.docId).join(' and ')}`)
    await context.setOffline(true)
    await link(cdp, true)
    const heap = sampleHeap(cdp)
    await page.evaluate(() => ((window as unknown as { __measuring: boolean }).__measuring = true))
    const addStarted = performance.now()
    const batches = Math.ceil(PHOTOS / BATCH)
    for (let b = 0; b < batches; b++) {
      const doc = b < batches / 2 ? docs[0]! : docs[1]!
      if (b === batches / 2) {
        await page.getByTestId('change-doc').click()
        await page.getByTestId(`recent-doc-${doc.docId}`).click()
      }
      await page.getByTestId('photo-input').setInputFiles(photos.slice(b * BATCH, (b + 1) * BATCH))
      const expected = Math.min(PHOTOS, (b + 1) * BATCH)
      await page.waitForFunction(
        (n) => {
          const items = [...document.querySelectorAll('[data-testid="queue-item"]')]
          return items.length === n && items.every((i) => i.getAttribute('data-status') !== 'preparing')
        },
        expected,
        { polling: 500, timeout: STEP_TIMEOUT_MS },
      )
      await page.getByTestId('send-button').click()
      progress('siteVisit', `batch ${b + 1}/${batches} prepared and sent (${((performance.now() - addStarted) / 1000).toFixed(0)} s)`)
    }
    const addSeconds = (performance.now() - addStarted) / 1000
    const longestTaskMs = await page.evaluate(() => {
      const w = window as unknown as { __longestTask: number; __measuring: boolean }
      w.__measuring = false
      return w.__longestTask
    })
    const storedMB = (await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0)) / 1e6

    progress('siteVisit', 'the link is back')
    await context.setOffline(false)
    await link(cdp, false)
    const sendStarted = performance.now()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="receipt"]') !== null && document.querySelector('[data-testid="waiting-batch"]') === null,
      undefined,
      { polling: 500, timeout: STEP_TIMEOUT_MS },
    )
    const sendSeconds = (performance.now() - sendStarted) / 1000
    const peakHeapMB = await heap.stop()

    const state = await getState(emulatorUrl)
    const ids = docs.map((d) => d.docId)
    // The prepared bytes of each photo once (an upload sent again does not count as prepared bytes).
    const prepared = new Map(state.resources.filter((r) => ids.includes(r.docId)).map((r) => [r.resourceName, r.size]))
    const sentBytes = [...prepared.values()].reduce((n, size) => n + size, 0)
    const blocks = addedImageBlocks(state, ids, before)
    const failed = (await queueStatuses(page)).filter((s) => s === 'failed').length
    return {
      photos: PHOTOS,
      addSeconds,
      longestTaskMs,
      peakHeapMB,
      storedMB,
      sendSeconds,
      preparedLinkSeconds: (sentBytes * 8) / UPLINK_BITS_PER_SEC,
      failures: Math.max(failed, PHOTOS - Math.min(blocks, PHOTOS)),
      duplicates: Math.max(0, blocks - PHOTOS),
    }
  } finally {
    await browser.close()
    await server?.stop()
  }
}
