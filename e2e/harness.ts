// Per-file e2e harness: the real server (sandbox mode, in-process emulator) and one headless Chromium,
// with the emulator reset before every test and console errors asserted after it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import type { Browser } from 'playwright-core'
import { z } from 'zod'
import { EmulatorResourceSchema } from '../server/drills/support/emulator-control'
import type { FaultSpec } from '../server/emulator/faults'
import { startServer } from '../server/server'
import { launchChromium, openPhone, saveFailureShot, type Phone, type PhoneOptions } from './browser'
import { makeFixtures, type Fixtures } from './fixtures'
import { pcAppUrl } from './fake-dingtalk'

/** A fixed secret (32+ characters): sessions and resource tokens are reproducible from run to run. */
const SESSION_SECRET = 'e2e-session-secret-0123456789abcdef-0123456789'

const RoleSchema = z.enum(['OWNER', 'MANAGER', 'EDITOR', 'READER'])

/** A stored block as DocBlocksQuery returns it, with its inline children. */
const BlockSchema = z
  .object({
    id: z.string(),
    index: z.number().int(),
    blockType: z.string(),
    children: z.array(z.unknown()).optional(),
    attachment: z.object({ resourceId: z.string(), type: z.string(), name: z.string(), viewType: z.string().optional() }).optional(),
  })
  .loose()
export type EmulatorBlock = z.infer<typeof BlockSchema>

/** The emulator's view of the world (DESIGN.md §4, `GET /__emulator/state`). */
const StateSchema = z.object({
  users: z.array(z.object({ userId: z.string(), unionId: z.string(), name: z.string() })),
  documents: z.array(
    z.object({
      docId: z.string(),
      name: z.string(),
      workspaceId: z.string(),
      url: z.string(),
      roles: z.record(z.string(), RoleSchema),
      blocks: z.array(BlockSchema),
    }),
  ),
  // The drills' schema of a resource: one definition of DESIGN.md §4's resource entry for all test code.
  resources: z.array(EmulatorResourceSchema),
})
export type EmulatorState = z.infer<typeof StateSchema>

const RequestLogSchema = z.object({
  items: z.array(z.object({ method: z.string(), path: z.string(), status: z.number(), at: z.union([z.number(), z.string()]) })),
})
const FaultIdSchema = z.object({ faultId: z.string() })
const AuthCodeSchema = z.object({ authCode: z.string() })

/** A fault as `POST /__emulator/faults` takes it: the emulator's own type. */
export type EmulatorFault = FaultSpec

/** Client of the emulator's control API (DESIGN.md §4). */
export class EmulatorControl {
  constructor(readonly url: string) {}

  /** One control call; a non-2xx answer throws with its body. */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`emulator ${method} ${path} → ${response.status}: ${await response.text()}`)
    return response
  }

  /** A control call whose JSON answer is checked against `schema` (a changed shape fails loudly here). */
  private async read<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    return schema.parse(await (await this.send(method, path, body)).json())
  }

  /** Back to the seed: users, documents, blocks; no resources, no faults, an empty call log. */
  async reset(): Promise<void> {
    await this.send('POST', '/__emulator/reset')
    await this.send('DELETE', '/__emulator/faults')
  }

  async addFault(fault: EmulatorFault): Promise<string> {
    return (await this.read(FaultIdSchema, 'POST', '/__emulator/faults', fault)).faultId
  }

  async clearFaults(): Promise<void> {
    await this.send('DELETE', '/__emulator/faults')
  }

  state(): Promise<EmulatorState> {
    return this.read(StateSchema, 'GET', '/__emulator/state')
  }

  /** DingTalk's call log, oldest first (no bodies). */
  async requests(): Promise<z.infer<typeof RequestLogSchema>['items']> {
    return (await this.read(RequestLogSchema, 'GET', '/__emulator/requests')).items
  }

  /** A fresh single-use authCode for the user, as DingTalk's requestAuthCode would give the page. */
  async authCode(userId: string): Promise<string> {
    return (await this.read(AuthCodeSchema, 'POST', '/__emulator/auth-codes', { userId })).authCode
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
    browser = await launchChromium({ secureOrigins: [pcAppUrl(server.url)] })
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

/**
 * The picked files of e2e/fixtures.ts for one e2e file: generated once before its tests. Read them
 * inside a test (or what a test calls); before the file's beforeAll has run there are none yet.
 */
export function useFixtures(): Fixtures {
  let made: Fixtures | undefined
  beforeAll(async () => {
    made = await makeFixtures()
  })
  const get = (): Fixtures => {
    if (!made) throw new Error('e2e fixtures are read before beforeAll made them')
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
