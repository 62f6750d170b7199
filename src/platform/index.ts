import { browserPlatform } from './browser'
import { createDingTalkPlatform } from './dingtalk'
import { isInDingTalk } from './detect'
import type { Platform } from './types'

export type { Platform, PlatformErrorCode } from './types'
export { PlatformError } from './types'
export type { JsapiSignature, PlaceFix } from './geolocation'
export { formatCoordinates } from './geolocation'
export { isInDingTalk } from './detect'

let current: Platform | null = null

/** The platform this page runs on, chosen once from the user agent and `window.name` (never overwritten here). */
export function getPlatform(): Platform {
  current ??= isInDingTalk(navigator.userAgent, window.name) ? createDingTalkPlatform() : browserPlatform
  return current
}

/** Tests and previews swap the platform (e.g. a faked bridge); `null` returns to detection. */
export function setPlatform(platform: Platform | null): void {
  current = platform
}
