/**
 * What every dingtalk-jsapi call shares: finding the function in a CJS module however the bundler
 * wrapped it, a timeout (the bridge can hang forever, docs/dingtalk.md#bridge-timeouts), and one
 * mapping of what the bridge rejects with to a PlatformError.
 */
import { PlatformError } from './types'

export const DEFAULT_BRIDGE_TIMEOUT_MS = 10_000

/**
 * CJS interop: depending on the bundler the per-API module's function arrives as the namespace's
 * `default`, as `default.default`, or as the named `<name>$` export.
 */
export function pickFunction<F>(mod: unknown, name: string): F {
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

/** Maps what the bridge rejects with (a native `{errorCode, errorMessage}` or an SDK Error) to a PlatformError. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {}
  const bridgeCode = record.errorCode === undefined ? undefined : String(record.errorCode)
  const message =
    typeof record.errorMessage === 'string' ? record.errorMessage : error instanceof Error ? error.message : 'DingTalk bridge call failed'
  // iOS/Android report a user cancel as errorCode "-1" (dingtalk-jsapi lib/sdk/sdkLib.d.ts ERROR_CODE.cancel).
  if (bridgeCode === '-1') return new PlatformError('cancelled', message, bridgeCode)
  // 4040: "Do not support the current environment" — the SDK found no DingTalk container.
  if (bridgeCode === '4040' || /ERROR 4040/.test(message)) return new PlatformError('not_in_dingtalk', message, '4040')
  return new PlatformError('failed', message, bridgeCode)
}

/** Races a bridge call against a timer; a late answer after the timeout is ignored. */
export function withTimeout<T>(call: Promise<T>, timeoutMs: number, what: string): Promise<T> {
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
