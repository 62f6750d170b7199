/**
 * The DingTalk client's tests against the in-process emulator (test-only): one emulator per test
 * file, reset before each test, with its call log, faults and auth codes at hand, and a client whose
 * backoff is recorded instead of slept and whose debug log is captured.
 */
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { createManualClock, startEmulator, type StartEmulatorOptions } from '../server/emulator'
import { SEED } from '../server/emulator/seed'
import type { DingTalkClientConfig } from '../server/dingtalk/client'
import { recordingClient } from './dingtalk-client'

export const APP_KEY = 'ding-emulator-app'
export const APP_SECRET = 'emulator-secret'
export const ZHANG = SEED.users.zhangwei
export const WANG = SEED.users.wangfang
export const WEEKLY = SEED.docs.weeklyReport
export const UPLOAD_PATH = `/v1.0/doc/docs/resources/`
export const TOKEN_PATH = '/v1.0/oauth2/accessToken'

let emu: Awaited<ReturnType<typeof startEmulator>>
/** The emulator's clock: advancing it expires tokens and upload URLs on DingTalk's side only. */
export const emuClock = createManualClock()
/** The running emulator's base URL. */
export const emuUrl = () => emu.url

/** Starts the emulator for this test file (with `opts`, e.g. `oapiToken: 'legacy'`) and resets it before each test. */
export function useClientEmulator(opts: Pick<StartEmulatorOptions, 'oapiToken' | 'profile'> = {}): void {
  beforeAll(async () => {
    emu = await startEmulator({ ...opts, clock: emuClock, host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await emu.close()
  })
  beforeEach(async () => {
    await control('POST', '/__emulator/reset')
    await control('DELETE', '/__emulator/faults')
    logged.length = 0
    logStart = (await requestLog()).length
  })
  afterEach(async () => {
    await control('DELETE', '/__emulator/faults')
  })
}

export async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(emu.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`)
  const text = await res.text()
  return text ? JSON.parse(text) : undefined
}

export interface LogEntry {
  method: string
  path: string
  query: Record<string, string | string[]>
  status: number
}
export async function requestLog(): Promise<LogEntry[]> {
  const res = (await control('GET', '/__emulator/requests')) as { items: LogEntry[] }
  return res.items
}
let logStart = 0
/** Emulator calls made since this test started whose path starts with `prefix`. */
export async function callsTo(prefix: string, method?: string): Promise<LogEntry[]> {
  return (await requestLog()).slice(logStart).filter((e) => e.path.startsWith(prefix) && (!method || e.method === method))
}

export function fault(spec: {
  path: string
  status?: number
  code?: string | number
  times?: number
  method?: string
  latencyMs?: number
}) {
  return control('POST', '/__emulator/faults', spec)
}

export async function authCode(userId: string): Promise<string> {
  const res = (await control('POST', '/__emulator/auth-codes', { userId })) as { authCode: string }
  return res.authCode
}

/** Everything the client logged (pino at debug level, serialised exactly as it would be shipped). */
export const logged: string[] = []
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      logged.push(chunk.toString())
      done()
    },
  }),
)

export function client(extra: Partial<DingTalkClientConfig> = {}) {
  return recordingClient({
    apiBase: emu.url,
    oapiBase: emu.url,
    appKey: APP_KEY,
    appSecret: APP_SECRET,
    logger,
    random: () => 0.5,
    // Rate limiting shares `sleep`; it has its own tests below. Out of the way elsewhere.
    requestsPerSecond: 10_000,
    burst: 10_000,
    ...extra,
  })
}

export const uploadReq = { size: 1024, mediaType: 'image/jpeg', resourceName: 'photo.jpg' }

export async function* generated(total: number, chunkSize = 256 * 1024): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(chunkSize, 0xab)
  for (let sent = 0; sent < total; sent += chunkSize) {
    const n = Math.min(chunkSize, total - sent)
    yield n === chunkSize ? chunk : chunk.subarray(0, n)
  }
}
