/**
 * src/platform/ is the only place that touches dingtalk-jsapi. This module loads `entry/union` and
 * the per-API modules it calls on first use, never the whole package (docs/dingtalk.md#jsapi), so
 * nothing of the SDK is in the first-screen bundle. Every bridge call has a timeout because the
 * bridge can hang forever (docs/dingtalk.md#bridge-timeouts). Navigation, back, lifecycle and
 * notifications are in dingtalk-shell.ts; the shared call helpers in bridge-call.ts.
 */
import { DEFAULT_BRIDGE_TIMEOUT_MS, pickFunction, withTimeout } from './bridge-call'
import { dingTalkShell } from './dingtalk-shell'
import { dingTalkLocation } from './geolocation'
import { PlatformError, type Platform } from './types'

export { DEFAULT_BRIDGE_TIMEOUT_MS, toPlatformError } from './bridge-call'

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
    ...dingTalkShell(timeoutMs),
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
    locate: (sign) => dingTalkLocation(sign),
    async openLink(url: string) {
      await withTimeout(
        loadBridge().then((bridge) => bridge.openLink({ url })),
        timeoutMs,
        'biz.util.openLink',
      )
    },
  }
}
