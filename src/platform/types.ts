import type { JsapiSignature, PlaceFix } from './geolocation'

/** What the app needs from its container: DingTalk's JSAPI bridge, or a normal browser standing in for it. */
export interface Platform {
  kind: 'dingtalk' | 'browser'
  /**
   * A one-time login code for our server: DingTalk's `requestAuthCode({corpId, clientId})` where the
   * client has it, else `runtime.permission.requestAuthCode({corpId})` (docs/dingtalk.md#silent-login).
   * `clientId` is the app key from `GET /api/config`; without it the older form is used.
   */
  requestAuthCode(corpId: string, clientId?: string | null): Promise<string>
  /** Opens a page outside the app: DingTalk's in-app browser (biz.util.openLink), or a new tab. */
  openLink(url: string): Promise<void>
  /** The screen's title in DingTalk's navigation bar (biz.navigation.setTitle), or the tab's title. */
  setTitle(title: string): Promise<void>
  /**
   * Takes over the container's back action (docs/dingtalk.md#back): Android's hardware back and the
   * navigation bar's back button no longer leave the page; `handler` decides. Returns the release.
   * Outside DingTalk the browser's own back button is left alone.
   */
  onBack(handler: () => void): () => void
  /** The app came back to the foreground (DingTalk `resume`; a browser tab becoming visible). */
  onResume(handler: () => void): () => void
  /** The app went to the background (DingTalk `pause`; a browser tab hidden): it may be killed next. */
  onPause(handler: () => void): () => void
  /** Closes the app (biz.navigation.close); a browser tab is left open. */
  close(): Promise<void>
  /** A short message that goes away by itself: DingTalk's own toast, else Vant's. Never rejects. */
  toast(text: string, kind?: ToastKind): Promise<void>
  /** Asks a yes/no question: DingTalk's own dialog, else Vant's. Resolves true for `ok`. Never rejects. */
  confirm(question: ConfirmQuestion): Promise<boolean>
  /**
   * Where the device is (src/platform/geolocation.ts): DingTalk's `device.geolocation.get` with its
   * address, after `dd.config` signed through `sign`; a browser's coordinates. Rejects with a
   * PlatformError when there is no fix (denied, timed out).
   */
  locate(sign: (url: string) => Promise<JsapiSignature>): Promise<PlaceFix>
}

export type ToastKind = 'info' | 'success' | 'error'

export interface ConfirmQuestion {
  title: string
  message: string
  ok: string
  cancel: string
}

/**
 * Why a bridge call did not succeed: `timeout` (the bridge never answered — docs/dingtalk.md#bridge-timeouts),
 * `cancelled` (errorCode '-1'), `not_in_dingtalk` (4040 or no container), `failed` (anything else).
 */
export type PlatformErrorCode = 'timeout' | 'cancelled' | 'failed' | 'not_in_dingtalk'

export class PlatformError extends Error {
  override readonly name = 'PlatformError'
  readonly code: PlatformErrorCode
  /** The bridge's own errorCode, when it gave one (kept for support, never shown raw). */
  readonly bridgeCode?: string

  constructor(code: PlatformErrorCode, message: string, bridgeCode?: string) {
    super(message)
    this.code = code
    if (bridgeCode !== undefined) this.bridgeCode = bridgeCode
  }
}
