/**
 * Where the device is, for the evidence stamp's place line (docs/evidence.md#the-h5-side), only when
 * the person turned "place" on. Inside DingTalk: `device.geolocation.get` with its reverse-geocoded
 * address (docs/dingtalk.md#geolocation), after `dd.config` signed by our server
 * (`GET /api/jsapi-config`) where the client asks for JSAPI authentication. Elsewhere the browser's
 * `navigator.geolocation`: coordinates only. Every bridge call has a timeout.
 */
import { pickFunction, withTimeout } from './bridge-call'
import { PlatformError } from './types'

export interface PlaceFix {
  latitude: number
  longitude: number
  /** Metres. */
  accuracy: number | null
  /** The reverse-geocoded address DingTalk gives (null in a browser). */
  address: string | null
  /** Android DingTalk says when the position came from a mock-location app. */
  isFromMock: boolean
}

/** What `dd.config` takes: our server's signature of this page's URL. */
export interface JsapiSignature {
  agentId: string
  corpId: string
  timeStamp: number
  nonceStr: string
  signature: string
}

/** A fix takes a few seconds outdoors; far beyond that the person types the place instead. */
export const GEOLOCATION_TIMEOUT_MS = 15_000
/** The accuracy DingTalk's documentation recommends (good enough, and quick). */
const TARGET_ACCURACY_M = 200

type GeolocationGetFn = (params: Record<string, unknown>) => Promise<Record<string, unknown>>
interface DdCore {
  config(params: Record<string, unknown>): void
  ready(cb: () => void): void
  error(cb: (err: unknown) => void): void
}

function pickDd(mod: unknown): DdCore {
  const candidates = [mod, (mod as { default?: unknown } | null)?.default]
  const dd = candidates.find((c): c is DdCore => typeof (c as DdCore | null)?.config === 'function')
  if (!dd) throw new PlatformError('failed', 'dingtalk-jsapi core without config()')
  return dd
}

let configured: Promise<void> | null = null

/**
 * `dd.config` once per page (dingtalk-jsapi refuses a second one), with the server's signature of
 * this page's URL; resolves on `dd.ready`, rejects on `dd.error`.
 */
function configure(sign: (url: string) => Promise<JsapiSignature>, timeoutMs: number): Promise<void> {
  configured ??= withTimeout(
    (async () => {
      const dd = pickDd(await import('dingtalk-jsapi/entry/union'))
      const signature = await sign(location.href.split('#')[0] ?? location.href)
      await new Promise<void>((resolve, reject) => {
        dd.ready(resolve)
        dd.error(reject)
        dd.config({ ...signature, type: 0, jsApiList: ['device.geolocation.get'] })
      })
    })(),
    timeoutMs,
    'dd.config',
  ).catch((error: unknown) => {
    configured = null
    throw error
  })
  return configured
}

function numberOr(value: unknown, fallback: number | null): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** DingTalk's answer; Android before 2.2 nested it under `location` (per the API's own notes). */
export function placeFromDingTalk(answer: Record<string, unknown>): PlaceFix {
  const inner = typeof answer.location === 'object' && answer.location !== null ? (answer.location as Record<string, unknown>) : answer
  const latitude = numberOr(inner.latitude, null)
  const longitude = numberOr(inner.longitude, null)
  if (latitude === null || longitude === null) throw new PlatformError('failed', 'device.geolocation.get gave no coordinates')
  const address = typeof inner.address === 'string' && inner.address.trim() !== '' ? inner.address.trim() : null
  return { latitude, longitude, accuracy: numberOr(inner.accuracy, null), address, isFromMock: inner.isFromMock === true }
}

/** The position through DingTalk's bridge; `sign` fetches the `dd.config` signature (seam: our server). */
export async function dingTalkLocation(
  sign: (url: string) => Promise<JsapiSignature>,
  timeoutMs = GEOLOCATION_TIMEOUT_MS,
): Promise<PlaceFix> {
  // Clients that need no authentication for it answer anyway; a failed config only costs the address.
  await configure(sign, timeoutMs).catch(() => undefined)
  const answer = await withTimeout(
    import('dingtalk-jsapi/api/device/geolocation/get').then((mod) =>
      pickFunction<GeolocationGetFn>(
        mod,
        'get$',
      )({ targetAccuracy: TARGET_ACCURACY_M, coordinate: 1, withReGeocode: true, useCache: true }),
    ),
    timeoutMs,
    'device.geolocation.get',
  )
  return placeFromDingTalk(answer)
}

/** The browser's position (coordinates only); the permission prompt counts toward the timeout. */
export function browserLocation(timeoutMs = GEOLOCATION_TIMEOUT_MS): Promise<PlaceFix> {
  if (typeof navigator === 'undefined' || !navigator.geolocation) {
    return Promise.reject(new PlatformError('failed', 'no geolocation in this browser'))
  }
  const fix = new Promise<PlaceFix>((resolve, reject) =>
    navigator.geolocation.getCurrentPosition(
      (p) =>
        resolve({
          latitude: p.coords.latitude,
          longitude: p.coords.longitude,
          accuracy: p.coords.accuracy,
          address: null,
          isFromMock: false,
        }),
      (err) => reject(new PlatformError(err.code === err.PERMISSION_DENIED ? 'cancelled' : 'failed', err.message)),
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 60_000 },
    ),
  )
  return withTimeout(fix, timeoutMs + 1000, 'navigator.geolocation')
}

/** "31.23040, 121.47370 (±30 m)": what the stamp says without an address. */
export function formatCoordinates(fix: PlaceFix): string {
  const accuracy = fix.accuracy === null ? '' : ` (±${Math.round(fix.accuracy)} m)`
  return `${fix.latitude.toFixed(5)}, ${fix.longitude.toFixed(5)}${accuracy}`
}
