/**
 * `evidence` (the H5 half; bench/README.md#measured): what stamping photos as evidence costs.
 * - `stampMsPerPhoto`: a 12 MP photo picked in the real H5 with the CPU throttled 4× (CDP
 *   Emulation.setCPUThrottlingRate): pick → ready with the stamp on, minus the same with it off
 *   (today's preparation), the median of alternating runs; uploads are held so only preparing counts.
 * - `attachSeconds` / `attachSecondsWithout`: the attach phase's 10 photos on its throttled link,
 *   with the stamp on and off, back to back on fresh servers.
 */
import type { Page } from 'playwright-core'
import { launchChromium, throttleCpu } from '../../e2e/browser'
import { editablePairs, getState, resetEmulator } from '../../testing/emulator-control'
import { startChildServer } from '../../testing/drills/processes'
import type { Fixture } from './fixtures'
import { runAttach, turnStampOn } from './phase-attach'
import { progress } from './report'

export interface EvidenceClientResult {
  stampMsPerPhoto: number
  attachSeconds: number
  attachSecondsWithout: number
}

const CPU_SLOWDOWN = 4
/** Photos timed per setting (alternating off/on, so drift hits both alike). */
const ROUNDS = 5

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

/** Picks one photo and times pick → the item leaves "preparing" (its bytes are ready to send). */
async function timePreparation(page: Page, photo: Fixture, index: number): Promise<number> {
  const started = await page.evaluate(() => performance.now())
  await page.getByTestId('photo-input').setInputFiles(photo.path)
  const ended = await page.waitForFunction(
    (i) => {
      const item = document.querySelectorAll('[data-testid="queue-item"]')[i]
      const status = item?.getAttribute('data-status')
      return status && status !== 'preparing' ? performance.now() : null
    },
    index,
    { polling: 10, timeout: 120_000 },
  )
  return ((await ended.jsonValue()) ?? NaN) - started
}

async function measureStamp(emulatorUrl: string, env: Record<string, string>, photos: Fixture[]): Promise<number> {
  await resetEmulator(emulatorUrl)
  const pair = editablePairs(await getState(emulatorUrl))[0]
  if (!pair) throw new Error('no editable document in the emulator seed')
  const browser = await launchChromium()
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined
  try {
    server = await startChildServer({ ...env, EMULATOR_URL: emulatorUrl }, { showOutput: true })
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })).newPage()
    page.setDefaultTimeout(60_000)
    // Uploads never answer: only preparation (and the stamp) uses the CPU while it is timed.
    await page.route('**/resources?**', () => undefined)
    await page.goto(server.url)
    await page.getByTestId(`signin-user-${pair.userId}`).click()
    const doc = page.getByTestId(`doc-item-${pair.docId}`)
    await ((await doc.count()) > 0 ? doc : page.locator('[data-testid^="doc-item-"][data-editable="true"]').first()).click()
    await page.getByTestId('selected-doc').waitFor({ state: 'visible' })
    await turnStampOn(page)
    await throttleCpu(page, CPU_SLOWDOWN)
    const off: number[] = []
    const on: number[] = []
    for (let round = 0; round < ROUNDS * 2; round++) {
      const stamp = round % 2 === 1
      await page.getByTestId('evidence-toggle').setChecked(stamp)
      const ms = await timePreparation(page, photos[round % photos.length]!, round)
      ;(stamp ? on : off).push(ms)
      progress('evidence', `12 MP photo, CPU ×${CPU_SLOWDOWN}, stamp ${stamp ? 'on' : 'off'}: ${ms.toFixed(0)} ms pick → ready`)
    }
    return median(on) - median(off)
  } finally {
    await browser.close()
    await server?.stop()
  }
}

export async function runEvidenceClient(
  emulatorUrl: string,
  env: Record<string, string>,
  photos: Fixture[],
): Promise<EvidenceClientResult> {
  const stampMsPerPhoto = await measureStamp(emulatorUrl, env, photos)
  progress('evidence', `stamp: +${stampMsPerPhoto.toFixed(0)} ms per photo over today's preparation`)
  const without = await runAttach(emulatorUrl, env, photos, { naive: false })
  progress('evidence', `10 photos without the stamp: ${without.attach.seconds.toFixed(1)} s`)
  const stamped = await runAttach(emulatorUrl, env, photos, { naive: false, stamp: true })
  progress('evidence', `10 photos with the stamp: ${stamped.attach.seconds.toFixed(1)} s`)
  return { stampMsPerPhoto, attachSeconds: stamped.attach.seconds, attachSecondsWithout: without.attach.seconds }
}
