/**
 * `attach` and `startup.firstDocumentsMs`: the real H5 in headless Chromium on a throttled link
 * (CDP Network.emulateNetworkConditions: 10 Mbit/s up, 150 ms RTT), attaching 10 phone-sized
 * photos to a document — from choosing the files to the receipt with every item inserted — and
 * then the same originals POSTed one after another, unprepared, from the same page (bench/README.md#measured).
 */
import type { Page, Request } from 'playwright-core'
import { launchChromium } from '../../e2e/browser'
import { editablePairs, getState, resetEmulator } from '../../testing/emulator-control'
import { startChildServer } from '../../testing/drills/processes'
import type { Fixture } from './fixtures'
import { progress } from './report'

export const UPLINK_BITS_PER_SEC = 10e6
export const DOWNLINK_BITS_PER_SEC = 20e6
export const RTT_MS = 150
const STEP_TIMEOUT_MS = 60_000
const ATTACH_TIMEOUT_MS = 240_000

export interface AttachResult {
  photos: number
  originalBytes: number
  sentBytes: number
  uplinkBitsPerSec: number
  rttMs: number
  seconds: number
  naiveSeconds: number
  originalLinkSeconds: number
}

async function throttle(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: RTT_MS,
    uploadThroughput: UPLINK_BITS_PER_SEC / 8,
    downloadThroughput: DOWNLINK_BITS_PER_SEC / 8,
  })
}

export interface AttachOptions {
  /** Turn "stamp as evidence" on before picking (the evidence phase, bench/lib/phase-evidence.ts). */
  stamp?: boolean
  /** Also time the naive uploads (default true; NaN when skipped). */
  naive?: boolean
}

/** Runs the browser half of the benchmark against a fresh server on the emulator at `emulatorUrl`. */
export async function runAttach(
  emulatorUrl: string,
  env: Record<string, string>,
  photos: Fixture[],
  options: AttachOptions = {},
): Promise<{ attach: AttachResult; firstDocumentsMs: number }> {
  await resetEmulator(emulatorUrl)
  const pairs = editablePairs(await getState(emulatorUrl))
  // Chromium first: when it cannot start there is no server child to stop.
  const browser = await launchChromium()
  const problems: string[] = []
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined
  try {
    server = await startChildServer({ ...env, EMULATOR_URL: emulatorUrl }, { showOutput: true })
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    const page = await context.newPage()
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`)
    })
    page.setDefaultTimeout(STEP_TIMEOUT_MS)
    await throttle(page)

    await page.goto(server.url)
    // Sign in as the first seeded person who can edit something and has a demo button.
    await page.locator('[data-testid^="signin-user-"]').first().waitFor()
    const buttons = await page
      .locator('[data-testid^="signin-user-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''))
    const pair = pairs.find((p) => buttons.includes(`signin-user-${p.userId}`))
    if (!pair) throw new Error(`no demo sign-in button for an editor; buttons: ${buttons.join(', ')}`)
    const signInAt = performance.now()
    // Which round trips the sign-in costs (each is ≥ 150 ms on this link).
    const signInRequests: string[] = []
    const onRequest = (req: Request) => {
      const t0 = performance.now() - signInAt
      const path = new URL(req.url()).pathname
      const done = () => signInRequests.push(`${req.method()} ${path} ${t0.toFixed(0)}–${(performance.now() - signInAt).toFixed(0)}`)
      req.response().then(done, done)
    }
    page.on('request', onRequest)
    await page.getByTestId(`signin-user-${pair.userId}`).click()
    await page.locator('[data-testid^="doc-item-"]').first().waitFor({ state: 'visible' })
    const firstDocumentsMs = performance.now() - signInAt
    page.off('request', onRequest)
    progress('attach', `signed in as ${pair.userId}; first document listed after ${firstDocumentsMs.toFixed(0)} ms (throttled link)`)
    progress('attach', `requests until then (ms after the click): ${signInRequests.join(', ')}`)

    // The editor's document if listed, else the first editable one.
    const preferred = page.getByTestId(`doc-item-${pair.docId}`)
    const item = (await preferred.count()) > 0 ? preferred : page.locator('[data-testid^="doc-item-"][data-editable="true"]').first()
    const docId = ((await item.getAttribute('data-testid')) ?? '').replace(/^doc-item-/, '')
    await item.click()
    await page.getByTestId('selected-doc').waitFor({ state: 'visible' })
    const resourcesBefore = new Set((await getState(emulatorUrl)).resources.map((r) => r.resourceId))
    if (options.stamp) await turnStampOn(page)

    progress('attach', `attaching ${photos.length} photos (${(sum(photos) / 1e6).toFixed(1)} MB) to ${docId} through the H5`)
    const started = performance.now()
    // Where the time goes: when each upload and the insertion started and finished.
    const timeline: Array<{ kind: 'upload' | 'insert'; start: number; end?: number }> = []
    const open = new Map<unknown, (typeof timeline)[number]>()
    page.on('request', (req) => {
      const kind = /\/resources\?/.test(req.url()) ? 'upload' : /\/insertions$/.test(req.url()) ? 'insert' : null
      if (!kind || req.method() !== 'POST') return
      const entry: (typeof timeline)[number] = { kind, start: (performance.now() - started) / 1000 }
      timeline.push(entry)
      open.set(req, entry)
    })
    const close = (req: unknown) => {
      const entry = open.get(req)
      if (entry) entry.end = (performance.now() - started) / 1000
    }
    page.on('requestfinished', close)
    page.on('requestfailed', close)
    await page.getByTestId('photo-input').setInputFiles(photos.map((p) => p.path))
    const receipt = page.getByTestId('receipt')
    const send = page.getByTestId('send-button')
    // The queue may send by itself; otherwise press send as soon as it can be pressed.
    await Promise.race([
      receipt.waitFor({ state: 'visible', timeout: ATTACH_TIMEOUT_MS }),
      send.waitFor({ state: 'visible', timeout: ATTACH_TIMEOUT_MS }),
    ])
    if (!(await receipt.isVisible())) await send.click({ timeout: ATTACH_TIMEOUT_MS })
    await page.waitForFunction(
      (n) =>
        document.querySelector('[data-testid="receipt"]') !== null &&
        document.querySelectorAll('[data-testid="receipt-item"][data-status="inserted"]').length === n,
      photos.length,
      { timeout: ATTACH_TIMEOUT_MS, polling: 50 },
    )
    const seconds = (performance.now() - started) / 1000
    const created = (await getState(emulatorUrl)).resources.filter((r) => !resourcesBefore.has(r.resourceId) && r.docId === docId)
    const sentBytes = created.reduce((n, r) => n + r.size, 0)
    progress('attach', `H5: ${seconds.toFixed(1)} s, ${(sentBytes / 1e6).toFixed(2)} MB sent in ${created.length} resources`)
    const uploads = timeline.filter((t) => t.kind === 'upload')
    const fmt = (t: (typeof timeline)[number]) => `${t.start.toFixed(1)}–${t.end?.toFixed(1) ?? '?'}`
    progress(
      'attach',
      `uploads (s from pick): ${uploads.map(fmt).join(', ')}; insertion: ${timeline
        .filter((t) => t.kind === 'insert')
        .map(fmt)
        .join(', ')}`,
    )
    page.removeAllListeners('request')
    page.removeAllListeners('requestfinished')
    page.removeAllListeners('requestfailed')

    const naiveSeconds = options.naive === false ? NaN : await timeNaiveUploads(page, photos, docId)
    const originalBytes = sum(photos)
    return {
      firstDocumentsMs,
      attach: {
        photos: photos.length,
        originalBytes,
        sentBytes,
        uplinkBitsPerSec: UPLINK_BITS_PER_SEC,
        rttMs: RTT_MS,
        seconds,
        naiveSeconds,
        originalLinkSeconds: (originalBytes * 8) / UPLINK_BITS_PER_SEC,
      },
    }
  } catch (err) {
    const detail = problems.length > 0 ? `\n${problems.slice(0, 10).join('\n')}` : ''
    throw new Error(`${err instanceof Error ? err.message : String(err)}${detail}`, { cause: err })
  } finally {
    if (problems.length > 0) progress('attach', `browser reported ${problems.length} console/page error(s); first: ${problems[0]}`)
    await browser.close()
    await server?.stop()
  }
}

/** The same originals POSTed one after another, unprepared, from the same page and session: seconds. */
async function timeNaiveUploads(page: Page, photos: Fixture[], docId: string): Promise<number> {
  progress('attach', 'naive: the same originals POSTed one after another from the same page')
  await page.evaluate(() => {
    const input = document.createElement('input')
    input.type = 'file'
    input.multiple = true
    input.id = 'bench-naive-input'
    input.style.display = 'none'
    document.body.append(input)
  })
  await page.setInputFiles(
    '#bench-naive-input',
    photos.map((p) => p.path),
  )
  const naiveMs = await page.evaluate(async (docId) => {
    const input = document.getElementById('bench-naive-input')
    if (!(input instanceof HTMLInputElement) || !input.files) throw new Error('naive input missing')
    const session: unknown = await (await fetch('/api/session')).json()
    const csrf = typeof session === 'object' && session !== null && 'csrfToken' in session ? String(session.csrfToken) : ''
    const t0 = performance.now()
    for (const file of Array.from(input.files)) {
      const res = await fetch(`/api/documents/${docId}/resources?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        body: file,
        headers: { 'content-type': file.type || 'image/jpeg', 'x-csrf-token': csrf },
      })
      if (res.status !== 201) throw new Error(`naive upload of ${file.name}: HTTP ${res.status} ${await res.text()}`)
    }
    return performance.now() - t0
  }, docId)
  progress('attach', `naive: ${(naiveMs / 1000).toFixed(1)} s`)
  return naiveMs / 1000
}

/** Unfolds the batch options, turns the evidence stamp on and waits until the device holds codes. */
export async function turnStampOn(page: Page): Promise<void> {
  await page.getByTestId('batch-options').click()
  await page.getByTestId('evidence-toggle').check()
  await page.waitForFunction(() => /[1-9]/.test(document.querySelector('[data-testid="evidence-codes"]')?.textContent ?? ''), null, {
    polling: 100,
  })
}

function sum(photos: Fixture[]): number {
  return photos.reduce((n, p) => n + p.bytes, 0)
}
