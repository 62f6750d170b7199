// System Chromium driven by playwright-core, dressed as a phone (and, on request, as DingTalk on Android).
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A current Chrome on Android: what a phone's normal browser reports (the sandbox sign-in path). */
export const MOBILE_CHROME_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36'

/**
 * DingTalk's Android webview: dingtalk-jsapi's getENV() reads `Android` + `DingTalk` from the UA
 * (platform `android`) and the version from `AliApp(DingTalk/x.y.z)` (dingtalk-jsapi.md §1.4).
 */
export const DINGTALK_ANDROID_UA =
  'Mozilla/5.0 (Linux; U; Android 14; zh-CN; Pixel 8 Build/UQ1A.240205.004) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Version/4.0 Chrome/156.0.0.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/12345 ' +
  'Channel/227200 language/zh-CN abi/64 UT4Aplus/0.2.25 colorScheme/light DingTalk/7.6.0'

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
 * process it started when this process exits or is interrupted.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath()
  try {
    return await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: CHROMIUM_LAUNCH_TIMEOUT_MS })
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new Error(`Chromium at ${executablePath} did not start: ${detail}`, { cause: error })
  }
}

/** What the fake DingTalk bridge was asked, recorded in the page as `window.__fakeDingTalkCalls`. */
export interface FakeBridgeCall {
  service: string
  action: string
  params: Record<string, unknown>
}

export interface PhoneOptions {
  /**
   * Present the page as DingTalk on Android with a fake JSAPI bridge. `authCode(corpId)` runs in Node
   * for each `runtime.permission.requestAuthCode` and returns a fresh code (codes are single-use).
   */
  dingtalk?: { authCode: (corpId: string) => Promise<string> }
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
 * Fake DingTalk Android container, installed before any page script. dingtalk-jsapi's Android bridge
 * (lib/bridge/h5Android.js) waits for `window.nuva` to be ready, takes `nuva.require()` as
 * `WebViewJavascriptBridgeAndroid`, and calls it as `(onSuccess, onFail, service, action, params)`.
 * This stands in at exactly that seam, so the app's real dingtalk-jsapi code path runs unchanged.
 */
function fakeDingTalkBridge(): void {
  type Bridge = (
    ok: (r: unknown) => void,
    fail: (e: unknown) => void,
    service: string,
    action: string,
    params: Record<string, unknown>,
  ) => void
  const w = window as unknown as {
    nuva: { isReady: boolean; require: () => Bridge }
    __fakeDingTalkCalls: FakeBridgeCall[]
    __e2eAuthCode: (corpId: string) => Promise<string>
    __e2eOpenedLinks: string[]
  }
  w.__fakeDingTalkCalls = []
  w.__e2eOpenedLinks = []
  const bridge: Bridge = (ok, fail, service, action, params) => {
    w.__fakeDingTalkCalls.push({ service, action, params: JSON.parse(JSON.stringify(params ?? {})) })
    const name = `${service}.${action}`
    if (name === 'runtime.permission.requestAuthCode' || name === 'runtime.permission.requestAuthCodeV2') {
      w.__e2eAuthCode(String(params?.corpId ?? '')).then(
        (code) => ok({ code }),
        (e: unknown) => fail({ errorCode: '3', errorMessage: String(e) }),
      )
      return
    }
    if (name === 'biz.util.openLink') {
      w.__e2eOpenedLinks.push(String(params?.url))
      ok({})
      return
    }
    if (name === 'biz.navigation.setTitle' || name === 'biz.navigation.setRight' || name === 'ui.webViewBounce.disable') {
      ok({})
      return
    }
    // DingTalk answers an API it does not have with errorCode 1 ("not exist"), sdkLib.d.ts ERROR_CODE.
    fail({ errorCode: '1', errorMessage: `fake bridge: ${name} not emulated` })
  }
  w.nuva = { isReady: true, require: () => bridge }
}

/** Opens a new phone context (390×844 @2x, touch, zh-CN) and its page. */
export async function openPhone(browser: Browser, options: PhoneOptions = {}): Promise<Phone> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    userAgent: options.dingtalk ? DINGTALK_ANDROID_UA : MOBILE_CHROME_UA,
  })
  if (options.dingtalk) {
    const { authCode } = options.dingtalk
    await context.exposeBinding('__e2eAuthCode', (_source, corpId: string) => authCode(corpId))
    await context.addInitScript(fakeDingTalkBridge)
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
