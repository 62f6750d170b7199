/**
 * The ONLY module that touches dingtalk-jsapi. It loads `entry/union` and the per-API modules it
 * calls on first use, never the whole package (docs/dingtalk.md#jsapi), so nothing of the SDK is in
 * the first-screen bundle. Every bridge call has a timeout because the bridge can hang forever.
 */
import { PlatformError, type Platform } from './types'

export const DEFAULT_BRIDGE_TIMEOUT_MS = 10_000

type AuthCodeFn = (params: { corpId: string }) => Promise<{ code: string }>
type AuthCodeV2Fn = (params: { corpId: string; clientId: string }) => Promise<{ code: string }>
type OpenLinkFn = (params: { url: string }) => Promise<unknown>

/** What dingtalk-jsapi found out about its container at import (`dd.env`). */
export interface DingTalkEnv {
  platform: string
  version?: string
}

/**
 * The first client versions with the current `requestAuthCode({corpId, clientId})` (dingtalk-jsapi's
 * own table for `api/union/requestAuthCode`, docs/dingtalk.md#silent-login).
 */
const CURRENT_AUTH_CODE_SINCE: Readonly<Record<string, string>> = { ios: '7.0.45', android: '7.0.45', pc: '7.0.50', harmony: '7.0.0' }

/** Compares dotted versions numerically (`7.0.45` < `7.0.50` < `7.6.0`); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0)
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}

/** Whether this DingTalk client has the current requestAuthCode; an unknown version is treated as too old. */
export function supportsCurrentAuthCode(env: DingTalkEnv): boolean {
  const since = CURRENT_AUTH_CODE_SINCE[env.platform]
  return since !== undefined && env.version !== undefined && env.version !== '' && compareVersions(env.version, since) >= 0
}

/**
 * CJS interop: depending on the bundler the per-API module's function arrives as the namespace's
 * `default`, as `default.default`, or as the named `<name>$` export (docs/dingtalk.md#jsapi).
 */
function pickFunction<F>(mod: unknown, name: string): F {
  const candidates: unknown[] = []
  if (typeof mod === 'object' && mod !== null) {
    const m = mod as Record<string, unknown>
    candidates.push(m[name], m.default)
    if (typeof m.default === 'object' && m.default !== null) {
      const d = m.default as Record<string, unknown>
      candidates.push(d[name], d.default)
    }
  }
  const fn = candidates.find((c) => typeof c === 'function')
  if (!fn) throw new PlatformError('failed', `dingtalk-jsapi export ${name} not found`)
  return fn as F
}

interface Bridge {
  env: DingTalkEnv
  requestAuthCode: AuthCodeFn
  openLink: OpenLinkFn
}

let bridgePromise: Promise<Bridge> | null = null
let currentAuthCodePromise: Promise<AuthCodeV2Fn> | null = null

/** `dd.env` from the union entry, whichever way the CJS module arrives. */
function pickEnv(mod: unknown): DingTalkEnv {
  const record = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {})
  const m = record(mod)
  const env = record(m.env ?? record(m.default).env)
  return {
    platform: typeof env.platform === 'string' ? env.platform : 'notInDingTalk',
    ...(typeof env.version === 'string' ? { version: env.version } : {}),
  }
}

function loadBridge(): Promise<Bridge> {
  bridgePromise ??= (async () => {
    // entry/union registers the platform bridges (pc + android + ios + harmony); it must come first.
    const dd = await import('dingtalk-jsapi/entry/union')
    const [authMod, linkMod] = await Promise.all([
      import('dingtalk-jsapi/api/runtime/permission/requestAuthCode'),
      import('dingtalk-jsapi/api/biz/util/openLink'),
    ])
    return {
      env: pickEnv(dd),
      requestAuthCode: pickFunction<AuthCodeFn>(authMod, 'requestAuthCode$'),
      openLink: pickFunction<OpenLinkFn>(linkMod, 'openLink$'),
    }
  })().catch((error: unknown) => {
    bridgePromise = null // a failed chunk load may succeed on retry
    throw error instanceof PlatformError ? error : new PlatformError('failed', 'Could not load dingtalk-jsapi')
  })
  return bridgePromise
}

/** The current union `requestAuthCode`, loaded only on clients that have it. */
function loadCurrentAuthCode(): Promise<AuthCodeV2Fn> {
  currentAuthCodePromise ??= loadBridge()
    .then(() => import('dingtalk-jsapi/api/union/requestAuthCode'))
    .then((mod) => pickFunction<AuthCodeV2Fn>(mod, 'requestAuthCode$'))
    .catch((error: unknown) => {
      currentAuthCodePromise = null
      throw error instanceof PlatformError ? error : new PlatformError('failed', 'Could not load dingtalk-jsapi requestAuthCode')
    })
  return currentAuthCodePromise
}

/** Maps what the bridge rejects with (a native `{errorCode, errorMessage}` or an SDK Error) to a PlatformError. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {}
  const bridgeCode = record.errorCode === undefined ? undefined : String(record.errorCode)
  const message =
    typeof record.errorMessage === 'string' ? record.errorMessage : error instanceof Error ? error.message : 'DingTalk bridge call failed'
  // iOS/Android report a user cancel as errorCode "-1" (dingtalk-jsapi's sdkLib ERROR_CODE.cancel).
  if (bridgeCode === '-1') return new PlatformError('cancelled', message, bridgeCode)
  // 4040: "Do not support the current environment" — the SDK found no DingTalk container.
  if (bridgeCode === '4040' || /ERROR 4040/.test(message)) return new PlatformError('not_in_dingtalk', message, '4040')
  return new PlatformError('failed', message, bridgeCode)
}

/** Races a bridge call against a timer; a late answer after the timeout is ignored. */
function withTimeout<T>(call: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new PlatformError('timeout', `${what} did not answer within ${timeoutMs} ms`)), timeoutMs)
    call.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(toPlatformError(error))
      },
    )
  })
}

function codeOf(result: { code?: unknown } | undefined): string {
  if (typeof result?.code !== 'string' || result.code === '') throw new PlatformError('failed', 'requestAuthCode returned no code')
  return result.code
}

/**
 * The DingTalk container (mobile, PC or Harmony), through dingtalk-jsapi's bridge. `env` stands in
 * for `dd.env` in tests.
 */
export function createDingTalkPlatform(options: { timeoutMs?: number; env?: DingTalkEnv } = {}): Platform {
  const timeoutMs = options.timeoutMs ?? DEFAULT_BRIDGE_TIMEOUT_MS
  return {
    kind: 'dingtalk',
    /**
     * The current `requestAuthCode({corpId, clientId})` where this client has it (and the server
     * gave a clientId), else `runtime.permission.requestAuthCode({corpId})`. If the current form
     * fails (not cancelled, not timed out) no code was issued, so the older form is tried once.
     */
    async requestAuthCode(corpId: string, clientId?: string | null) {
      // Loading the SDK shares each call's budget: a stuck chunk load must not hang sign-in either.
      const useCurrent =
        !!clientId && supportsCurrentAuthCode(options.env ?? (await withTimeout(loadBridge(), timeoutMs, 'dingtalk-jsapi')).env)
      if (clientId && useCurrent) {
        try {
          return codeOf(
            await withTimeout(
              loadCurrentAuthCode().then((requestAuthCode) => requestAuthCode({ corpId, clientId })),
              timeoutMs,
              'requestAuthCode',
            ),
          )
        } catch (error) {
          if (!(error instanceof PlatformError) || error.code !== 'failed') throw error
        }
      }
      return codeOf(
        await withTimeout(
          loadBridge().then((bridge) => bridge.requestAuthCode({ corpId })),
          timeoutMs,
          'runtime.permission.requestAuthCode',
        ),
      )
    },
    async openLink(url: string) {
      await withTimeout(
        loadBridge().then((bridge) => bridge.openLink({ url })),
        timeoutMs,
        'biz.util.openLink',
      )
    },
  }
}
