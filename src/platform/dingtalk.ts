/**
 * src/platform/ is the only place that touches dingtalk-jsapi. This module loads `entry/union` and
 * the per-API modules it calls on first use, never the whole package (docs/dingtalk.md#jsapi),
 * so nothing of the SDK is in the first-screen bundle. Every bridge call has a timeout because the
 * bridge can hang forever (docs/dingtalk.md#bridge-timeouts). Navigation, back, lifecycle and
 * notifications are in dingtalk-shell.ts.
 */
import { DEFAULT_BRIDGE_TIMEOUT_MS, pickFunction, withTimeout } from './bridge-call'
import { dingTalkShell } from './dingtalk-shell'
import { PlatformError, type Platform } from './types'

export { DEFAULT_BRIDGE_TIMEOUT_MS, toPlatformError } from './bridge-call'

type AuthCodeFn = (params: { corpId: string }) => Promise<{ code: string }>
type OpenLinkFn = (params: { url: string }) => Promise<unknown>

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

/** The DingTalk container (mobile, PC or Harmony), through dingtalk-jsapi's bridge. */
export function createDingTalkPlatform(options: { timeoutMs?: number } = {}): Platform {
  const timeoutMs = options.timeoutMs ?? DEFAULT_BRIDGE_TIMEOUT_MS
  return {
    kind: 'dingtalk',
    ...dingTalkShell(timeoutMs),
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
