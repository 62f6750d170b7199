/**
 * Per-file harness of the WebKit suite: the real server in sandbox mode (as e2e/harness.ts starts it
 * for Chromium), Xvfb and WebKitWebDriver for the file; for each test a reset emulator, a network
 * switch of its own (e2e/webkit/network-switch.ts: a fresh origin, so fresh storage) and a fresh
 * MiniBrowser session, ended after the test. A failed test leaves a screenshot in e2e/artifacts/, and
 * any console error or uncaught error the page reported fails the test.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import type { EmulatorControl } from '@testing/emulator-control'
import { emulatorOptionsFromEnv } from '../../server/emulator/index'
import { ARTIFACTS_DIR } from '../browser'
import { startSandboxServer, type SandboxServer } from '../harness'
import { startNetworkSwitch, type NetworkSwitch } from './network-switch'
import { WebKitPage } from './page'
import { MINIBROWSER, startWebKitTools, type WebKitTools } from './processes'
import { WebDriverSession } from './webdriver'

export interface WebKitE2E {
  readonly emulator: EmulatorControl
  /** This test's browser page (a fresh MiniBrowser) and the network between it and the app. */
  readonly page: WebKitPage
  readonly network: NetworkSwitch
}

/** A phone-sized window, as the Chromium suite's phone (e2e/browser.ts VIEWPORTS.phone). */
const WINDOW = { width: 390, height: 844 }

export function useWebKit(): WebKitE2E {
  const { profile, oapiToken } = emulatorOptionsFromEnv(process.env)
  let sandbox: SandboxServer | undefined
  let tools: WebKitTools | undefined
  let network: NetworkSwitch | undefined
  let page: WebKitPage | undefined

  beforeAll(async () => {
    sandbox = await startSandboxServer(profile, oapiToken)
    tools = await startWebKitTools()
  })

  afterAll(async () => {
    await tools?.stop()
    await sandbox?.close()
  })

  beforeEach(async () => {
    await sandbox!.emulator.reset()
    network = await startNetworkSwitch(sandbox!.url)
    const session = await WebDriverSession.create(tools!.driverUrl, {
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    })
    page = new WebKitPage(session, network.url)
    await session.setWindowSize(WINDOW.width, WINDOW.height)
  })

  afterEach(async (context) => {
    const current = page
    page = undefined
    try {
      if (!current) return
      if (context.task.result?.state === 'fail') {
        const shot = await current.session.screenshot().catch(() => null)
        if (shot) {
          mkdirSync(ARTIFACTS_DIR, { recursive: true })
          const path = join(ARTIFACTS_DIR, `webkit-${context.task.name.replace(/[^\w-]+/g, '-').slice(0, 100)}.png`)
          writeFileSync(path, shot)
          console.error(`[e2e-webkit] failure screenshot: ${path}`)
        }
      }
      network?.restore()
      expect(await current.errors(), 'console errors / page errors during the test').toEqual([])
    } finally {
      await current?.session.delete().catch(() => undefined)
      await network?.close()
    }
  })

  return {
    get emulator() {
      return sandbox!.emulator
    },
    get page() {
      if (!page) throw new Error('the WebKit page is read outside a test')
      return page
    },
    get network() {
      return network!
    },
  }
}
