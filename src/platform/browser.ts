import { PlatformError, type Platform } from './types'

/** Outside DingTalk: no login bridge (sandbox sign-in or "open from the workbench" instead); links open in a new tab. */
export const browserPlatform: Platform = {
  kind: 'browser',
  requestAuthCode() {
    return Promise.reject(new PlatformError('not_in_dingtalk', 'Not running inside DingTalk'))
  },
  openLink(url: string) {
    // noopener: the document must not be able to script our page through window.opener.
    window.open(url, '_blank', 'noopener')
    return Promise.resolve()
  },
}
