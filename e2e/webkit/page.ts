/**
 * What a person does in the app, in WebKit, through the app's data-testids (the same ones e2e/flows.ts
 * uses with playwright), plus the waits: every wait polls something the page shows, never a sleep.
 *
 * WebDriver cannot listen to the console, so after each load the page gets a small recorder of
 * `console.error`, uncaught errors and unhandled rejections, read back (and kept) before each reload and
 * at the end of the test. What the page logs before the recorder is installed (during its first load)
 * is not seen.
 */
import { expect } from 'vitest'
import { byTestId } from '../flows'
import type { WebDriverSession, WebElement } from './webdriver'

/**
 * Installs the error recorder once per document (the script runs as a function body). JavaScriptCore's
 * `stack` lacks the message, hence `String(error)` in front of it.
 */
const RECORD_ERRORS = `
  if (window.__e2eErrors) return
  const errors = (window.__e2eErrors = [])
  const describe = (value) => (value instanceof Error ? String(value) + '\\n' + (value.stack || '') : String(value))
  const original = console.error
  console.error = function (...args) {
    errors.push('console.error: ' + args.map(describe).join(' '))
    return original.apply(console, args)
  }
  window.addEventListener('error', (e) => errors.push('pageerror: ' + (e.error ? describe(e.error) : e.message)))
  window.addEventListener('unhandledrejection', (e) => errors.push('unhandledrejection: ' + describe(e.reason)))
`

/** Whether an element matching arguments[0] is in the page and rendered (has a box). */
const IS_SHOWN = `const el = document.querySelector(arguments[0]); return !!el && el.getClientRects().length > 0`

const DEFAULT_TIMEOUT_MS = 30_000

export class WebKitPage {
  private readonly seenErrors: string[] = []

  constructor(
    readonly session: WebDriverSession,
    /** The app's base URL as this browser reaches it (through its network switch). */
    readonly appUrl: string,
  ) {}

  /** Opens a path of the app and waits for its load event. */
  async open(path = '/'): Promise<void> {
    await this.session.navigate(new URL(path, this.appUrl).href)
    await this.session.execute(RECORD_ERRORS)
  }

  /** Reloads the page (errors recorded so far are kept). */
  async reload(): Promise<void> {
    await this.collectErrors()
    await this.session.refresh()
    await this.session.execute(RECORD_ERRORS)
  }

  private async collectErrors(): Promise<void> {
    const errors = await this.session.execute<string[] | null>('return window.__e2eErrors ? window.__e2eErrors.splice(0) : null')
    if (errors) this.seenErrors.push(...errors)
  }

  /** Every console error, uncaught error and unhandled rejection recorded in this test. */
  async errors(): Promise<string[]> {
    await this.collectErrors()
    return [...this.seenErrors]
  }

  /**
   * Polls `script` (a function body; `arguments` holds `args`) in the page every 100 ms until it returns
   * something truthy, and returns that. Fails with `description` after `timeoutMs`.
   */
  async waitFor<T>(description: string, script: string, args: unknown[] = [], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let last: unknown
    for (;;) {
      last = await this.session.execute<T>(script, args)
      if (last) return last as T
      if (Date.now() > deadline) throw new Error(`WebKit: timed out after ${timeoutMs} ms waiting for ${description}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** Waits until the element with this data-testid is shown, and returns it. */
  async shown(testId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WebElement> {
    await this.waitFor(`${testId} to be shown`, IS_SHOWN, [byTestId(testId)], timeoutMs)
    return this.session.findElement(byTestId(testId))
  }

  async isShown(testId: string): Promise<boolean> {
    return this.session.execute<boolean>(IS_SHOWN, [byTestId(testId)])
  }

  async tap(testId: string): Promise<void> {
    await this.session.click(await this.shown(testId))
  }

  async type(testId: string, text: string): Promise<void> {
    await this.session.sendKeys(await this.shown(testId), text)
  }

  /** The element's text, or null when it is not in the page. */
  async text(testId: string): Promise<string | null> {
    return this.session.execute<string | null>('const el = document.querySelector(arguments[0]); return el && el.textContent', [
      byTestId(testId),
    ])
  }

  /** Waits until the element's text contains `expected`. */
  async waitForText(testId: string, expected: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this.waitFor(
      `${testId} to contain "${expected}"`,
      'const el = document.querySelector(arguments[0]); return !!el && (el.textContent || "").includes(arguments[1])',
      [byTestId(testId), expected],
      timeoutMs,
    )
  }

  /** Picks files (absolute paths) through a file input, as the system picker would hand them over. */
  async pickFiles(testId: string, paths: string[]): Promise<void> {
    // The inputs are hidden behind the app's buttons; WebDriver's file upload does not need them shown.
    await this.session.sendKeys(await this.session.findElement(byTestId(testId)), paths.join('\n'))
  }

  /** The queue as the page shows it: one entry per `queue-item`, in display order. */
  async queue(): Promise<Array<{ name: string; status: string }>> {
    return this.session.execute(
      `return [...document.querySelectorAll('[data-testid="queue-item"]')].map((item) => ({ name: item.getAttribute('data-name') || '', status: item.getAttribute('data-status') || '' }))`,
    )
  }

  /** Waits until the queue's statuses satisfy `moment`; fails early when an item failed. */
  async waitForQueue(description: string, moment: (statuses: string[]) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const statuses = (await this.queue()).map((item) => item.status)
      if (moment(statuses)) return
      if (statuses.includes('failed') || Date.now() > deadline) {
        throw new Error(`WebKit: the queue did not reach "${description}": ${JSON.stringify(await this.queue())}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** Waits for the receipt and returns its rows. */
  async receipt(count: number, timeoutMs = 120_000): Promise<Array<{ name: string; status: string }>> {
    await this.shown('receipt', timeoutMs)
    const read = (): Promise<Array<{ name: string; status: string }>> =>
      this.session.execute(
        `return [...document.querySelectorAll('[data-testid="receipt-item"]')].map((item) => ({ name: item.getAttribute('data-name') || '', status: item.getAttribute('data-status') || '' }))`,
      )
    await expect.poll(async () => (await read()).length, { timeout: 10_000 }).toBe(count)
    return read()
  }
}
