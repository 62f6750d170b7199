/**
 * The ONLY module that touches dingtalk-jsapi (STYLE.md). It loads `entry/union` and the two
 * per-API modules it calls on first use, never the whole package (dingtalk-jsapi.md §0.1, §1.2–1.3),
 * so nothing of the SDK is in the first-screen bundle. Every bridge call has a timeout because
 * the bridge can hang forever (§1.4).
 */
import { PlatformError, type Platform } from './types'

export const DEFAULT_BRIDGE_TIMEOUT_MS = 10_000

type AuthCodeFn = (params: { corpId: string }) => Promise<{ code: string }>
type OpenLinkFn = (params: { url: string }) => Promise<unknown>

/**
 * CJS interop: depending on the bundler the per-API module's function arrives as the namespace's
 * `default`, as `default.default`, or as the named `<name>$` export (dingtalk-jsapi.md §1.2).
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
  requestAuthCode: AuthCodeFn
  openLink: OpenLinkFn
}

let bridgePromise: Promise<Bridge> | null = null

function loadBridge(): Promise<Bridge> {
  bridgePromise ??= (async () => {
    // entry/union registers the platform bridges (pc + android + ios + harmony); it must come first.
    await import('dingtalk-jsapi/entry/union')
    const [authMod, linkMod] = await Promise.all([
      import('dingtalk-jsapi/api/runtime/permission/requestAuthCode'),
      import('dingtalk-jsapi/api/biz/util/openLink'),
    ])
    return {
      requestAuthCode: pickFunction<AuthCodeFn>(authMod, 'requestAuthCode$'),
      openLink: pickFunction<OpenLinkFn>(linkMod, 'openLink$'),
    }
  })().catch((error: unknown) => {
    bridgePromise = null // a failed chunk load may succeed on retry
    throw error instanceof PlatformError ? error : new PlatformError('failed', 'Could not load dingtalk-jsapi')
  })
  return bridgePromise
}

/** Maps what the bridge rejects with (a native `{errorCode, errorMessage}` or an SDK Error) to a PlatformError. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {}
  const bridgeCode = record.errorCode === undefined ? undefined : String(record.errorCode)
  const message =
    typeof record.errorMessage === 'string' ? record.errorMessage : error instanceof Error ? error.message : 'DingTalk bridge call failed'
  // iOS/Android report a user cancel as errorCode "-1" (dingtalk-jsapi.md §1.4, sdkLib ERROR_CODE.cancel).
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

/** The DingTalk container (mobile, PC or Harmony), through dingtalk-jsapi's bridge. */
export function createDingTalkPlatform(options: { timeoutMs?: number } = {}): Platform {
  const timeoutMs = options.timeoutMs ?? DEFAULT_BRIDGE_TIMEOUT_MS
  return {
    kind: 'dingtalk',
    async requestAuthCode(corpId: string) {
      // Loading the SDK shares the budget: a stuck chunk load must not hang sign-in either.
      const result = await withTimeout(
        loadBridge().then((bridge) => bridge.requestAuthCode({ corpId })),
        timeoutMs,
        'runtime.permission.requestAuthCode',
      )
      if (typeof result?.code !== 'string' || result.code === '') {
        throw new PlatformError('failed', 'requestAuthCode returned no code')
      }
      return result.code
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
