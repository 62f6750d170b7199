/**
 * Test harness (server tests only): the real app wired to a real in-process emulator on a free
 * 127.0.0.1 port, with a manual clock for session lifetimes. Requests go through `app.inject`.
 */
import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp, type BuildAppDeps } from '../server/app'
import type { AppConfig } from '../server/config'
import { createDingTalkClient } from '../server/dingtalk/client'
import type { DingTalkApi } from '../server/dingtalk/types'
import { createManualClock, type ManualClock } from '../server/emulator/clock'
import { startEmulator, type StartEmulatorOptions } from '../server/emulator/index'
import { SEED } from '../server/emulator/seed'
import { EMULATOR_CREDENTIALS, parseEnv } from '../server/env'
import { createSandboxControl } from '../server/services/sandbox/sandbox-control'

export const LIVE_ENV = {
  DINGTALK_APP_KEY: EMULATOR_CREDENTIALS.appKey,
  DINGTALK_APP_SECRET: EMULATOR_CREDENTIALS.appSecret,
  DINGTALK_CORP_ID: EMULATOR_CREDENTIALS.corpId,
  SESSION_SECRET: 'a-test-session-secret-that-is-long-enough-0123456789',
}

export type SeedUserKey = keyof typeof SEED.users

export interface SignedIn {
  user: { userId: string; unionId: string; name: string }
  csrfToken: string
  /** `name=value` of the session cookie, ready for a `cookie` header. */
  cookie: string
  /** Headers for a protected state-changing request: cookie + CSRF token. */
  headers: Record<string, string>
}

export interface TestApp {
  app: FastifyInstance
  config: AppConfig
  emulatorUrl: string
  clock: ManualClock
  /** Every log line the app wrote (raw JSON lines). */
  logs: string[]
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>
  signIn(user: SeedUserKey): Promise<SignedIn>
  close(): Promise<void>
}

/**
 * A DingTalk client for the emulator at `emulatorUrl` with its default credentials; retries do
 * not wait, so failure paths stay fast.
 */
export function emulatorDingTalkClient(emulatorUrl: string): DingTalkApi {
  return createDingTalkClient({
    apiBase: emulatorUrl,
    oapiBase: emulatorUrl,
    appKey: EMULATOR_CREDENTIALS.appKey,
    appSecret: EMULATOR_CREDENTIALS.appSecret,
    sleep: async () => {},
  })
}

/**
 * Builds the app against a fresh emulator. `mode: 'live'` uses live-mode config (sandbox routes
 * absent) while still talking to the emulator, so live-only behaviour is testable offline.
 */
export async function createTestApp(
  opts: {
    mode?: 'sandbox' | 'live'
    env?: Record<string, string>
    trustProxy?: boolean
    staticRoot?: string
    timeouts?: { headersMs?: number; bodyIdleMs?: number }
    lifecycle?: { draining: boolean }
    /** How the emulator answers (answer profile, oapi token kind); default rich, any. */
    emulator?: Pick<StartEmulatorOptions, 'profile' | 'oapiToken'>
    /** Resumable uploads' lock and outcomes (default: the app's in-process ones). */
    resumable?: BuildAppDeps['resumable']
    /** The evidence registry (default: the app's in-memory one). */
    evidenceRegistry?: BuildAppDeps['evidenceRegistry']
    /** Shared state (default: the app's own in-process store); two apps given one act as replicas. */
    store?: BuildAppDeps['store']
  } = {},
): Promise<TestApp> {
  const emulator = await startEmulator({ ...opts.emulator, port: 0, host: '127.0.0.1' })
  const live = opts.mode === 'live'
  const parsed = parseEnv({ ...(live ? LIVE_ENV : {}), ...opts.env })
  const config: AppConfig = {
    ...parsed.config,
    documentUrl: live ? parsed.config.documentUrl : (docId) => `${emulator.url}/__emulator/documents/${docId}`,
  }
  const clock = createManualClock()
  const logs: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  const app = await buildApp({
    config,
    dingtalk: emulatorDingTalkClient(emulator.url),
    sandbox: live ? undefined : createSandboxControl(emulator.url),
    logger: { level: 'debug', stream },
    trustProxy: opts.trustProxy,
    clock,
    staticRoot: opts.staticRoot ?? null,
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    ...(opts.resumable ? { resumable: opts.resumable } : {}),
    ...(opts.evidenceRegistry !== undefined ? { evidenceRegistry: opts.evidenceRegistry } : {}),
    ...(opts.store ? { store: opts.store } : {}),
  })

  const inject = (o: InjectOptions) => app.inject(o)

  async function signIn(key: SeedUserKey): Promise<SignedIn> {
    const code = await fetch(`${emulator.url}/__emulator/auth-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: SEED.users[key].userId }),
    })
    const { authCode } = (await code.json()) as { authCode: string }
    const response = await inject({ method: 'POST', url: '/api/session', payload: { authCode } })
    if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`)
    const body = response.json<{ user: SignedIn['user']; csrfToken: string }>()
    const cookie = sessionCookie(response)
    return { ...body, cookie, headers: { cookie, 'x-csrf-token': body.csrfToken } }
  }

  return {
    app,
    config,
    emulatorUrl: emulator.url,
    clock,
    logs,
    inject,
    signIn,
    async close() {
      await app.close()
      await emulator.close()
    },
  }
}

/** The `name=value` part of the session cookie a response set. */
export function sessionCookie(response: LightMyRequestResponse): string {
  const header = response.headers['set-cookie']
  const first = (Array.isArray(header) ? header : [header ?? '']).find((c) => c.startsWith('doc_attach_session='))
  if (!first) throw new Error('no session cookie in response')
  return first.split(';')[0] ?? ''
}
