/**
 * `markup` (issue 17): `markup.renderMs` — the marks renderer (src/media/draw-marks.ts) drawing 20
 * marks of every kind (two pixelate and two cover boxes among them) into a 2560×1920 photo in
 * headless Chromium with the CPU throttled 4× (median of 5); `markup.composeMs` is the whole compose
 * stage around it (decode, draw, JPEG encode; src/media/compose-photo.ts) on the same photo. And
 * `markup.firstOpenMs` — the real H5 on a 150 ms link: from the tap on `markup-open` to the editor
 * ready for input (the photo drawn on `markup-canvas`), the editor's lazy chunk fetched on the way.
 */
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { launchChromium, throttleCpu } from '../../e2e/browser'
import { editablePairs, getState, resetEmulator } from '../../testing/emulator-control'
import { startChildServer } from '../../testing/drills/processes'
import { RTT_MS } from './phase-attach'
import { progress } from './report'

export interface MarkupResult {
  renderMs: number
  composeMs: number
  firstOpenMs: number
  cpuThrottle: number
  rttMs: number
}

const CPU_THROTTLE = 4
const RUNS = 5
/** tsx compiles the functions handed to page.evaluate with esbuild's keepNames: give the page its helper. */
const KEEP_NAMES = { content: 'globalThis.__name = (fn) => fn' }
const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/** The renderer and the compose stage as one script for a blank page (they touch nothing else). */
async function rendererScript(): Promise<string> {
  const out = await build({
    stdin: {
      contents: `import { drawMarks } from './media/draw-marks'
import { composeImage } from './media/compose-photo'
;(globalThis as any).markupBench = { drawMarks, composeImage }`,
      resolveDir: SRC,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2020',
  })
  return out.outputFiles[0]!.text
}

/** 20 marks of every kind, spread over the photo (normalised coordinates). */
function twentyMarks() {
  const tools = ['rect', 'ellipse', 'arrow', 'pen', 'text', 'rect', 'ellipse', 'arrow', 'pen', 'cover'] as const
  const marks: unknown[] = []
  for (let i = 0; i < 18; i++) {
    const tool = tools[i % tools.length]!
    const x = 0.05 + (i % 6) * 0.15
    const y = 0.05 + Math.floor(i / 6) * 0.3
    const points =
      tool === 'pen'
        ? Array.from({ length: 40 }, (_, k) => (k % 2 === 0 ? x + (k / 80) * 0.12 : y + Math.sin(k) * 0.05 + 0.1))
        : tool === 'text'
          ? [x, y]
          : [x, y, x + 0.12, y + 0.2]
    marks.push({
      id: `m${i}`,
      tool,
      colour: '#e53935',
      width: i % 2 ? 'thick' : 'thin',
      points,
      text: tool === 'text' ? '裂缝 crack 3 mm' : undefined,
    })
  }
  marks.push({ id: 'p1', tool: 'pixelate', colour: '#e53935', width: 'thin', points: [0.1, 0.7, 0.35, 0.95] })
  marks.push({ id: 'p2', tool: 'pixelate', colour: '#e53935', width: 'thin', points: [0.6, 0.7, 0.9, 0.95] })
  return marks
}

/** A photo-sized JPEG of noise (it compresses and pixelates like a photo, not like a flat fill). */
function noisyJpeg(width: number, height: number): Promise<Buffer> {
  const noise = { type: 'gaussian', mean: 128, sigma: 40 } as const
  return sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 }, noise } })
    .jpeg({ quality: 90 })
    .toBuffer()
}

async function measureRender(page: Page): Promise<{ renderMs: number; composeMs: number }> {
  const photo = await noisyJpeg(2560, 1920)
  await page.setContent('<!doctype html><title>markup bench</title>')
  await page.addScriptTag({ content: await rendererScript() })
  await throttleCpu(page, CPU_THROTTLE)
  return page.evaluate(
    async ({ bytes, marks, runs }) => {
      const bench = (
        globalThis as unknown as {
          markupBench: {
            drawMarks(ctx: OffscreenCanvasRenderingContext2D, marks: unknown, w: number, h: number): void
            composeImage(req: unknown): Promise<unknown>
          }
        }
      ).markupBench
      const blob = new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' })
      const bitmap = await createImageBitmap(blob)
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
      const render: number[] = []
      const compose: number[] = []
      for (let i = 0; i < runs; i++) {
        ctx.drawImage(bitmap, 0, 0)
        const t0 = performance.now()
        bench.drawMarks(ctx, marks, bitmap.width, bitmap.height)
        // Make the GPU/raster work count: read one pixel back (forces the drawing to finish).
        ctx.getImageData(0, 0, 1, 1)
        render.push(performance.now() - t0)
        const t1 = performance.now()
        await bench.composeImage({ blob, layers: { marks }, outputType: 'image/jpeg', quality: 0.85 })
        compose.push(performance.now() - t1)
      }
      return { renderMs: median(render), composeMs: median(compose) }
    },
    { bytes: [...photo], marks: twentyMarks(), runs: RUNS },
  )
}

async function measureFirstOpen(page: Page, serverUrl: string, emulatorUrl: string): Promise<number> {
  const pairs = editablePairs(await getState(emulatorUrl))
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: RTT_MS,
    uploadThroughput: 10e6 / 8,
    downloadThroughput: 20e6 / 8,
  })
  await page.goto(serverUrl)
  await page.locator('[data-testid^="signin-user-"]').first().waitFor()
  const buttons = await page
    .locator('[data-testid^="signin-user-"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''))
  const pair = pairs.find((p) => buttons.includes(`signin-user-${p.userId}`))
  if (!pair) throw new Error('no demo sign-in button for an editor')
  await page.getByTestId(`signin-user-${pair.userId}`).click()
  const preferred = page.getByTestId(`doc-item-${pair.docId}`)
  await page.locator('[data-testid^="doc-item-"]').first().waitFor({ state: 'visible' })
  const item = (await preferred.count()) > 0 ? preferred : page.locator('[data-testid^="doc-item-"][data-editable="true"]').first()
  await item.click()
  await page.getByTestId('selected-doc').waitFor({ state: 'visible' })
  const photo = await noisyJpeg(4000, 3000)
  await page.getByTestId('photo-input').setInputFiles([{ name: 'IMG_9001.jpg', mimeType: 'image/jpeg', buffer: photo }])
  await page.getByTestId('markup-open').waitFor({ state: 'visible', timeout: 120_000 })
  // Measured in the page: the tap, then until the canvas says the photo is drawn and input is live.
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const t0 = performance.now()
        ;(document.querySelector('[data-testid="markup-open"]') as HTMLElement).click()
        const check = () => {
          if (document.querySelector('[data-testid="markup-canvas"][data-ready="true"]')) resolve(performance.now() - t0)
          else requestAnimationFrame(check)
        }
        check()
      }),
  )
}

/** Runs both measurements against a fresh server on the emulator at `emulatorUrl`. */
export async function runMarkup(emulatorUrl: string, env: Record<string, string>): Promise<MarkupResult> {
  await resetEmulator(emulatorUrl)
  const browser = await launchChromium()
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined
  try {
    const renderContext = await browser.newContext()
    await renderContext.addInitScript(KEEP_NAMES)
    const renderPage = await renderContext.newPage()
    const { renderMs, composeMs } = await measureRender(renderPage)
    progress(
      'markup',
      `20 marks into 2560×1920 at ${CPU_THROTTLE}× CPU throttle: draw ${renderMs.toFixed(0)} ms, whole compose ${composeMs.toFixed(0)} ms`,
    )
    server = await startChildServer({ ...env, EMULATOR_URL: emulatorUrl }, { showOutput: true })
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', hasTouch: true, isMobile: true })
    await context.addInitScript(KEEP_NAMES)
    const firstOpenMs = await measureFirstOpen(await context.newPage(), server.url, emulatorUrl)
    progress('markup', `tap → editor ready on a ${RTT_MS} ms link (lazy chunk included): ${firstOpenMs.toFixed(0)} ms`)
    return { renderMs, composeMs, firstOpenMs, cpuThrottle: CPU_THROTTLE, rttMs: RTT_MS }
  } finally {
    await server?.stop()
    await browser.close()
  }
}
