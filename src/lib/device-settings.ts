/**
 * Choices remembered on this device (localStorage), not in the account: they describe how this
 * person works on this phone. Unavailable storage (private mode, a locked-down webview) only means
 * the default applies next time.
 */

const TAKEN_AT_CAPTION_KEY = 'doc-attach.takenAtCaption'

/** Whether photos get the "Taken 2026-12-01 14:03" caption line; off unless turned on here. */
export function loadTakenAtCaption(): boolean {
  try {
    return globalThis.localStorage?.getItem(TAKEN_AT_CAPTION_KEY) === 'on'
  } catch {
    return false
  }
}

export function saveTakenAtCaption(on: boolean): void {
  try {
    globalThis.localStorage?.setItem(TAKEN_AT_CAPTION_KEY, on ? 'on' : 'off')
  } catch {
    // Not remembered; the toggle still applies to this batch.
  }
}
