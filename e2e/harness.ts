// Per-file e2e harness: the real server (sandbox mode, in-process emulator) and one headless Chromium,
// with the emulator reset before every test and console errors asserted after it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import type { Browser } from 'playwright-core'
import { startServer } from '../server/server'
import { launchChromium, openPhone, saveFailureShot, type Phone, type PhoneOptions } from './browser'

/** A fixed secret (32+ characters): sessions and resource tokens are reproducible from run to run. */
const SESSION_SECRET = 'e2e-session-secret-0123456789abcdef-0123456789'

/** The emulator's view of the world (DESIGN.md §4, `GET /__emulator/state`). */
export interface EmulatorState {
  users: Array<{ userId: string; unionId: string; name: string }>
  documents: Array<{
    docId: string
    name: string
    workspaceId: string
    url: string
    roles: Record<string, 'OWNER' | 'MANAGER' | 'EDITOR' | 'READER'>
    blocks: EmulatorBlock[]
  }>
  resources: Array<{
    resourceId: string
    docId: string
    resourceUrl: string
    mediaType: string
    size: number
    resourceName: string
    uploaded: boolean
  }>
}

/** A stored block as DocBlocksQuery returns it, with its inline children. */
export interface EmulatorBlock {
  id: string
  index: number
  blockType: string
  children?: unknown[]
  attachment?: { resourceId: string; type: string; name: string; viewType?: string }
  [key: string]: unknown
}

/** A fault as `POST /__emulator/faults` takes it. */
export interface EmulatorFault {
  path: string
  method?: string
  status?: number
  code?: string
  probability?: number
  times?: number
  latencyMs?: number
  bandwidthBytesPerSec?: number
}

/** Client of the emulator's control API (DESIGN.md §4). */
export class EmulatorControl {
  constructor(readonly url: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`emulator ${method} ${path} → ${response.status}: ${await response.text()}`)
    return response
  }

  /** Back to the seed: users, documents, blocks; no resources, no faults. */
  async reset(): Promise<void> {
    await this.call('POST', '/__emulator/reset')
    await this.call('DELETE', '/__emulator/faults')
  }

  async addFault(fault: EmulatorFault): Promise<string> {
    const { faultId } = (await (await this.call('POST', '/__emulator/faults', fault)).json()) as { faultId: string }
    return faultId
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/__emulator/faults')
  }

  async state(): Promise<EmulatorState> {
    return (await (await this.call('GET', '/__emulator/state')).json()) as EmulatorState
  }

  /** DingTalk's call log, oldest first (no bodies). */
  async requests(): Promise<Array<{ method: string; path: string; status: number; at: number }>> {
    const { items } = (await (await this.call('GET', '/__emulator/requests')).json()) as {
      items: Array<{ method: string; path: string; status: number; at: number }>
    }
    return items
  }

  /** A fresh single-use authCode for the user, as DingTalk's requestAuthCode would give the page. */
  async authCode(userId: string): Promise<string> {
    const { authCode } = (await (await this.call('POST', '/__emulator/auth-codes', { userId })).json()) as { authCode: string }
    return authCode
  }

  /** The stored bytes of an uploaded resource (its `resourceUrl` may be absolute or emulator-relative). */
  async resourceBytes(resourceUrl: string): Promise<Buffer> {
    const url = new URL(resourceUrl, this.url)
    const response = await fetch(url)
    if (!response.ok) throw new Error(`GET ${url.pathname} → ${response.status}`)
    return Buffer.from(await response.arrayBuffer())
  }
}

export interface E2E {
  /** Base URL of the app (server serving dist/ and /api). */
  readonly appUrl: string
  readonly emulator: EmulatorControl
  readonly browser: Browser
  /** A new phone context; closed after the test, its errors asserted empty. */
  phone(options?: PhoneOptions): Promise<Phone>
}

/**
 * Registers the hooks of one e2e file: server + browser for the file, a reset emulator and fresh phone
 * contexts for each test, a screenshot in e2e/artifacts/ when a test fails, and the rule that a test
 * fails on any console error or uncaught page error.
 */
export function useE2E(): E2E {
  let server: Awaited<ReturnType<typeof startServer>> | undefined
  let browser: Browser | undefined
  let emulator: EmulatorControl | undefined
  let phones: Phone[] = []
  let dataDir: string | undefined

  beforeAll(async () => {
    // The server's own files (insertion journal) go to a throwaway folder, never the checkout's .data/.
    dataDir = await mkdtemp(join(tmpdir(), 'doc-attach-e2e-'))
    server = await startServer({
      PORT: '0',
      EMULATOR_PORT: '0',
      HOST: '127.0.0.1',
      SESSION_SECRET,
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      // Sandbox mode whatever the developer's shell exports.
      DINGTALK_APP_KEY: '',
      DINGTALK_APP_SECRET: '',
      DINGTALK_CORP_ID: '',
    })
    if (!server.emulatorUrl) throw new Error('startServer did not start the sandbox emulator (emulatorUrl is null)')
    emulator = new EmulatorControl(server.emulatorUrl)
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  beforeEach(async () => {
    await emulator!.reset()
  })

  afterEach(async (context) => {
    const open = phones
    phones = []
    try {
      if (context.task.result?.state === 'fail') {
        for (const [i, phone] of open.entries()) {
          for (const [j, page] of phone.context.pages().entries()) {
            const path = await saveFailureShot(page, `${context.task.name}-${i}-${j}`).catch(() => null)
            if (path) console.error(`[e2e] failure screenshot: ${path}`)
          }
        }
      }
      const errors = open.flatMap((phone) => phone.errors)
      expect(errors, 'console errors / page errors during the test').toEqual([])
    } finally {
      await Promise.all(open.map((phone) => phone.close().catch(() => undefined)))
    }
  })

  return {
    get appUrl() {
      return server!.url
    },
    get emulator() {
      return emulator!
    },
    get browser() {
      return browser!
    },
    async phone(options) {
      const phone = await openPhone(browser!, options)
      phones.push(phone)
      return phone
    },
  }
}
