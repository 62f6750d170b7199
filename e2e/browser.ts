// System Chromium driven by playwright-core, dressed as a phone (or a desktop window), and on request as a
// DingTalk client (Android, iOS or PC) with a fake JSAPI bridge.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { DINGTALK_PC_HOST, DINGTALK_USER_AGENTS, fakeDingTalkClient, type DingTalkClient } from './fake-dingtalk'

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The fake DingTalk PC client's page must live on a *.dingtalk.com host (e2e/fake-dingtalk.ts).
  `--host-resolver-rules=MAP ${DINGTALK_PC_HOST} 127.0.0.1`,
]

/** A current Chrome on Android: what a phone's normal browser reports (the sandbox sign-in path). */
export const MOBILE_CHROME_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36'

/** A current Chrome on a Windows desktop. */
export const DESKTOP_CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'

export const ARTIFACTS_DIR = fileURLToPath(new URL('./artifacts/', import.meta.url))
export const SCREENSHOTS_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url))

/** Path of the Chromium binary; throws one clear message when it is missing (the suite never skips). */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: apt-get install -y chromium or set CHROMIUM_PATH`)
  }
  return path
}

/** How long Chromium may take to start before the launch fails (playwright's own default is 3 minutes). */
export const CHROMIUM_LAUNCH_TIMEOUT_MS = 30_000

/**
 * Launches headless system Chromium with a fresh temporary profile. Fails within
 * CHROMIUM_LAUNCH_TIMEOUT_MS with one clear message when it cannot start; playwright kills the browser
 * process it started when this process exits or is interrupted. `secureOrigins` are plain-http
 * origins treated as https would be (the fake DingTalk PC host: real DingTalk serves the app over https).
 */
export async function launchChromium(options: { secureOrigins?: string[] } = {}): Promise<Browser> {
  const executablePath = chromiumPath()
  const secure = options.secureOrigins?.length ? [`--unsafely-treat-insecure-origin-as-secure=${options.secureOrigins.join(',')}`] : []
  try {
    return await chromium.launch({
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, ...secure],
      timeout: CHROMIUM_LAUNCH_TIMEOUT_MS,
    })
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new Error(`Chromium at ${executablePath} did not start: ${detail}`, { cause: error })
  }
}

/** Window sizes the tests use: a phone, a desktop browser, and DingTalk PC's narrow sidebar. */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
  sidebar: { width: 400, height: 760 },
} as const
export type ViewportName = keyof typeof VIEWPORTS

export interface PhoneOptions {
  /**
   * Present the page as a DingTalk client with a fake JSAPI bridge (e2e/fake-dingtalk.ts; Android unless
   * `client` says otherwise). `authCode(corpId)` runs in Node for each requestAuthCode and returns a
   * fresh code (codes are single-use).
   */
  dingtalk?: {
    authCode: (corpId: string) => Promise<string>
    client?: DingTalkClient
    /** The emulator's current jsapi ticket (`/__emulator/jsapi-ticket`): the fake client checks dd.config against it. */
    jsapiTicket?: () => Promise<string>
  }
  /** Window size (default: phone). Phone-sized windows are touch devices; the others are not. */
  viewport?: ViewportName
  /** The device's colour scheme (`prefers-color-scheme`), default light. */
  colorScheme?: 'light' | 'dark'
}

/** A phone-sized browser context and its page, with every console error and page error collected. */
export interface Phone {
  context: BrowserContext
  page: Page
  /** Console errors and uncaught page errors seen so far, as readable lines. */
  errors: string[]
  /**
   * Declares network failures this test provokes on purpose (Chromium reports a failed request as a
   * console error "Failed to load resource: …"): matching messages are not counted as errors.
   */
  allowFailedRequests(match: (url: string, text: string) => boolean): void
  close(): Promise<void>
}

/**
 * Whether `dd.config`'s params carry the signature DingTalk expects for `url`: sha1 of
 * `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` over the URL without its fragment, query decoded
 * (docs/dingtalk.md#jsapi-signature).
 */
export function verifyJsapiSignature(params: Record<string, unknown>, url: string, ticket: string): boolean {
  const plain = `jsapi_ticket=${ticket}&noncestr=${String(params.nonceStr)}&timestamp=${String(params.timeStamp)}&url=${decodeURI(url)}`
  return typeof params.signature === 'string' && createHash('sha1').update(plain).digest('hex') === params.signature
}

/** Opens a new browser context (default: a 390×844 @2x touch phone, zh-CN, light) and its page. */
export async function openPhone(browser: Browser, options: PhoneOptions = {}): Promise<Phone> {
  const viewport = options.viewport ?? 'phone'
  const mobile = viewport === 'phone'
  const client = options.dingtalk?.client ?? 'android'
  const context = await browser.newContext({
    viewport: VIEWPORTS[viewport],
    deviceScaleFactor: 2,
    isMobile: mobile,
    hasTouch: mobile,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    colorScheme: options.colorScheme ?? 'light',
    userAgent: options.dingtalk ? DINGTALK_USER_AGENTS[client] : mobile ? MOBILE_CHROME_UA : DESKTOP_CHROME_UA,
  })
  if (options.dingtalk) {
    const { authCode } = options.dingtalk
    await context.exposeBinding('__e2eAuthCode', (_source, corpId: string) => authCode(corpId))
    const { jsapiTicket } = options.dingtalk
    if (jsapiTicket) {
      await context.exposeBinding('__e2eVerifyJsapi', async (_source, params: Record<string, unknown>, url: string) =>
        verifyJsapiSignature(params, url, await jsapiTicket()),
      )
    }
    await context.addInitScript(fakeDingTalkClient, client)
  }
  const errors: string[] = []
  const allowed: Array<(url: string, text: string) => boolean> = []
  const watch = (page: Page): void => {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return
      const text = message.text()
      const url = message.location().url
      if (text.startsWith('Failed to load resource') && allowed.some((match) => match(url, text))) return
      errors.push(`console.error: ${text}${url ? ` (${url})` : ''} on page ${page.url()}`)
    })
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.stack ?? error.message} on page ${page.url()}`))
  }
  context.on('page', watch)
  const page = await context.newPage()
  page.setDefaultTimeout(30_000)
  return {
    context,
    page,
    errors,
    allowFailedRequests: (match) => allowed.push(match),
    close: () => context.close(),
  }
}

/**
 * Saves a 390×844 PNG of the page. With UPDATE_SCREENSHOTS=1 it overwrites the README's screenshots
 * in docs/screenshots/; otherwise it goes to the gitignored e2e/artifacts/screens/, so an ordinary
 * test run leaves the checkout clean.
 */
export async function saveScreen(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? SCREENSHOTS_DIR : `${ARTIFACTS_DIR}screens/`
  mkdirSync(dir, { recursive: true })
  // Scale 'css' keeps the file at 390×844 although the phone renders at 2×.
  await page.screenshot({ path: `${dir}${name}.png`, scale: 'css', animations: 'disabled', caret: 'hide' })
}

/** Screenshot for a failed test, into the gitignored e2e/artifacts/. */
export async function saveFailureShot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const path = `${ARTIFACTS_DIR}${name.replace(/[^\w.-]+/g, '_').slice(0, 120)}.png`
  await page.screenshot({ path, fullPage: true })
  return path
}

/**
 * Slows the phone's own uplink (Chromium network emulation), as a weak mobile connection would. Needed
 * for the offline test too: Chromium breaks off in-flight requests on going offline only when they were
 * started under network emulation.
 */
export async function throttleUplink(page: Page, bytesPerSecond: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  })
}

/** Slows the page's CPU by `rate`× (Chromium emulation), the way a mid-range phone is slower than this machine. */
export async function throttleCpu(page: Page, rate: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate })
}
