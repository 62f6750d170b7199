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
}

/**
 * Why a bridge call did not succeed: `timeout` (the bridge never answered — docs/dingtalk.md#jsapi),
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
