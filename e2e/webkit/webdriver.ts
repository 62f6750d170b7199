/**
 * A small W3C WebDriver client (https://www.w3.org/TR/webdriver2/) over `fetch`, just what the WebKit
 * suite needs to drive WebKitGTK's MiniBrowser through Debian's WebKitWebDriver.
 *
 * Why not a library: playwright-core cannot drive WebKitWebDriver (it needs its own patched WebKit
 * builds, which it downloads), and webdriverio's install pulls edgedriver and geckodriver, whose
 * install scripts download browser drivers — something this project's machines and CI must never do
 * (only the npm and Debian registries are reachable). The protocol is plain JSON over HTTP, so the
 * dozen commands below are all it takes.
 */

/** The W3C key under which a web element reference travels. */
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf'

/** An error answer of the driver: `error` is the W3C error code ("no such element", …). */
export class WebDriverError extends Error {
  constructor(
    readonly error: string,
    message: string,
    readonly command: string,
  ) {
    super(`WebDriver ${command}: ${error}: ${message}`)
    this.name = 'WebDriverError'
  }
}

/** A reference to an element of the current page. */
export interface WebElement {
  readonly id: string
}

/** Per-command bound: a driver that stops answering fails the test instead of hanging it. */
const COMMAND_TIMEOUT_MS = 60_000

async function call<T>(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const command = `${method} ${path}`
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  })
  const text = await response.text()
  let parsed: { value?: unknown }
  try {
    parsed = JSON.parse(text) as { value?: unknown }
  } catch {
    throw new WebDriverError('invalid response', `HTTP ${response.status}: ${text.slice(0, 200)}`, command)
  }
  const value = parsed.value as { error?: string; message?: string } | null | undefined
  if (!response.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
    throw new WebDriverError(value?.error ?? `HTTP ${response.status}`, value?.message ?? text.slice(0, 200), command)
  }
  return parsed.value as T
}

function toElement(value: unknown): WebElement {
  const id = (value as Record<string, unknown> | null)?.[ELEMENT_KEY]
  if (typeof id !== 'string') throw new Error(`not an element reference: ${JSON.stringify(value)}`)
  return { id }
}

/** One browser session: a fresh MiniBrowser, ended with `delete()`. */
export class WebDriverSession {
  private constructor(
    private readonly driverUrl: string,
    readonly id: string,
  ) {}

  /** New Session with the given capabilities under `alwaysMatch`. */
  static async create(driverUrl: string, capabilities: Record<string, unknown>): Promise<WebDriverSession> {
    const value = await call<{ sessionId: string }>(driverUrl, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } })
    return new WebDriverSession(driverUrl, value.sessionId)
  }

  private command<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return call<T>(this.driverUrl, method, `/session/${this.id}${path}`, body)
  }

  /** Navigates and waits for the page's load event (page load strategy "normal"). */
  async navigate(url: string): Promise<void> {
    await this.command('POST', '/url', { url })
  }

  /** Reloads the page, as a person pulling to refresh (or a webview brought back) would. */
  async refresh(): Promise<void> {
    await this.command('POST', '/refresh', {})
  }

  async setWindowSize(width: number, height: number): Promise<void> {
    await this.command('POST', '/window/rect', { width, height })
  }

  async findElement(css: string): Promise<WebElement> {
    return toElement(await this.command('POST', '/element', { using: 'css selector', value: css }))
  }

  async click(element: WebElement): Promise<void> {
    await this.command('POST', `/element/${element.id}/click`, {})
  }

  /** Types text; into an `<input type="file">` it picks files: absolute paths, one per line. */
  async sendKeys(element: WebElement, text: string): Promise<void> {
    await this.command('POST', `/element/${element.id}/value`, { text })
  }

  /** Runs `script` (a function body; `arguments` holds `args`) in the page and returns its result. */
  async execute<T>(script: string, args: unknown[] = []): Promise<T> {
    return this.command<T>('POST', '/execute/sync', { script, args })
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Buffer> {
    return Buffer.from(await this.command<string>('GET', '/screenshot'), 'base64')
  }

  /** Ends the session; the driver closes the browser. */
  async delete(): Promise<void> {
    await this.command('DELETE', '')
  }
}

/** Waits until the driver's `/status` says it is ready for a new session; gives up after `timeoutMs`. */
export async function driverReady(driverUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const status = await call<{ ready?: boolean }>(driverUrl, 'GET', '/status')
      if (status.ready !== false) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`WebKitWebDriver at ${driverUrl} did not answer /status within ${timeoutMs} ms`)
}
