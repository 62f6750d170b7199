// Per-file e2e harness: the real server (sandbox mode, in-process emulator) and one headless Chromium,
// with the emulator reset before every test and console errors asserted after it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import type { Browser } from 'playwright-core'
import { EmulatorControl } from '@testing/emulator-control'
import { emulatorOptionsFromEnv, type Profile } from '../server/emulator/index'
import { startServer } from '../server/server'
import { launchChromium, openPhone, saveFailureShot, type Phone, type PhoneOptions } from './browser'
import { makeFixtures, type Fixtures } from '@testing/phone-photos'
import { pcAppUrl } from './fake-dingtalk'

/** A fixed secret (32+ characters): sessions and resource tokens are reproducible from run to run. */
const SESSION_SECRET = 'e2e-session-secret-0123456789abcdef-0123456789'

export interface E2EOptions {
  /**
   * The emulator's answer profile (server/emulator/README.md "Answer profiles"). Default: what
   * EMULATOR_PROFILE in the environment says (`rich` when unset), so the whole suite can run in one.
   */
  profile?: Profile
}

export interface E2E {
  /** The emulator answer profile this server's emulator plays. */
  readonly profile: Profile
  /** Base URL of the app (server serving dist/ and /api). */
  readonly appUrl: string
  readonly emulator: EmulatorControl
  readonly browser: Browser
  /** A new phone context; closed after the test, its errors asserted empty. */
  phone(options?: PhoneOptions): Promise<Phone>
}

/** The real server in sandbox mode with its in-process emulator, for one e2e file. */
export interface SandboxServer {
  /** Base URL of the app (server serving dist/ and /api). */
  url: string
  emulator: EmulatorControl
  close(): Promise<void>
}

/** Starts the real server in sandbox mode on a free port, its files in a throwaway folder. */
export async function startSandboxServer(profile: Profile, oapiToken: string | undefined): Promise<SandboxServer> {
  // The server's own files (insertion journal) go to a throwaway folder, never the checkout's .data/.
  const dataDir = await mkdtemp(join(tmpdir(), 'doc-attach-e2e-'))
  const server = await startServer({
    PORT: '0',
    EMULATOR_PORT: '0',
    HOST: '127.0.0.1',
    SESSION_SECRET,
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    // The in-process emulator's answers (server.ts hands these to startEmulator).
    EMULATOR_PROFILE: profile,
    EMULATOR_OAPI_TOKEN: oapiToken,
    // Sandbox mode whatever the developer's shell exports.
    DINGTALK_APP_KEY: '',
    DINGTALK_APP_SECRET: '',
    DINGTALK_CORP_ID: '',
  })
  if (!server.emulatorUrl) throw new Error('startServer did not start the sandbox emulator (emulatorUrl is null)')
  return {
    url: server.url,
    emulator: new EmulatorControl(server.emulatorUrl),
    async close() {
      await server.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Registers the hooks of one e2e file (or of the `describe` block it is called in): server + browser
 * for the file, a reset emulator and fresh phone contexts for each test, a screenshot in e2e/artifacts/
 * when a test fails, and the rule that a test fails on any console error or uncaught page error.
 */
export function useE2E(options: E2EOptions = {}): E2E {
  // Read once, at registration: a bad EMULATOR_PROFILE / EMULATOR_OAPI_TOKEN fails the file at once.
  const fromEnv = emulatorOptionsFromEnv(process.env)
  const profile = options.profile ?? fromEnv.profile
  let sandbox: SandboxServer | undefined
  let browser: Browser | undefined
  let emulator: EmulatorControl | undefined
  let phones: Phone[] = []

  beforeAll(async () => {
    sandbox = await startSandboxServer(profile, fromEnv.oapiToken)
    emulator = sandbox.emulator
    browser = await launchChromium({ secureOrigins: [pcAppUrl(sandbox.url)] })
  })

  afterAll(async () => {
    await browser?.close()
    await sandbox?.close()
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
            const path = await saveFailureShot(page, `${profile}-${context.task.name}-${i}-${j}`).catch(() => null)
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
    profile,
    get appUrl() {
      return sandbox!.url
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

/** Fixture variants handed out so far in this process: every test gets content no test inserted before. */
let fixtureVariant = 0

/**
 * The picked files of testing/phone-photos.ts, made afresh before each test: the same names, sizes and
 * metadata, but content no earlier test put into the (shared, per-file) server's documents. The server
 * remembers what went into a document (`duplicateOf`, kept across the emulator's reset), and would
 * otherwise ask "already in this document — attach again?" where a test means a first attachment.
 * Read them inside a test (or what a test calls).
 */
export function useFixtures(): Fixtures {
  let made: Fixtures | undefined
  beforeEach(async () => {
    made = await makeFixtures(++fixtureVariant)
  })
  const get = (): Fixtures => {
    if (!made) throw new Error('e2e fixtures are read outside a test (before its beforeEach made them)')
    return made
  }
  return {
    get rotated() {
      return get().rotated
    },
    get withGps() {
      return get().withGps
    },
    get plain() {
      return get().plain
    },
    get pdf() {
      return get().pdf
    },
  }
}
