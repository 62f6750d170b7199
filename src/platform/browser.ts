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

/** The Screen Wake Lock held now (the browser releases it by itself when the page is hidden). */
let wakeLock: WakeLockSentinel | null = null

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
  async keepScreenOn(on: boolean) {
    if (!on) {
      const held = wakeLock
      wakeLock = null
      await held?.release()
      return
    }
    if (wakeLock && !wakeLock.released) return
    if (!('wakeLock' in navigator)) throw new PlatformError('failed', 'Screen Wake Lock API not available')
    try {
      // eslint-disable-next-line compat/compat -- checked above; without it (iOS 14, Chrome 69) the screen may sleep
      wakeLock = await navigator.wakeLock.request('screen')
    } catch (error) {
      throw new PlatformError('failed', error instanceof Error ? error.message : 'Screen Wake Lock refused')
    }
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
