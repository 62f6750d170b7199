import { PlatformError, type Platform } from './types'
import { vantConfirm, vantToast } from './vant-notify'
import { browserLocation } from './geolocation'

/** Calls `handler` when the tab's visibility turns to `state`; returns the release. */
function onVisibility(state: DocumentVisibilityState, handler: () => void): () => void {
  const listener = () => {
    if (document.visibilityState === state) handler()
  }
  document.addEventListener('visibilitychange', listener)
  return () => document.removeEventListener('visibilitychange', listener)
}

/**
 * Outside DingTalk: no login bridge (sandbox sign-in or "open from the workbench" instead); links
 * open in a new tab; the title is the tab's; back stays the browser's own; a hidden tab stands in
 * for DingTalk's pause and a visible one for its resume; Vant shows toasts and questions.
 */
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
  setTitle(title: string) {
    document.title = title
    return Promise.resolve()
  },
  onBack() {
    return () => undefined
  },
  onResume(handler) {
    return onVisibility('visible', handler)
  },
  onPause(handler) {
    return onVisibility('hidden', handler)
  },
  close() {
    return Promise.resolve()
  },
  toast: vantToast,
  confirm: vantConfirm,
  locate: () => browserLocation(),
}
