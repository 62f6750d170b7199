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

const EVIDENCE_STAMP_KEY = 'doc-attach.evidenceStamp'
const EVIDENCE_PLACE_KEY = 'doc-attach.evidencePlace'
const PLACE_CONSENT_KEY = 'doc-attach.placeConsent'

function load(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null
  } catch {
    return null
  }
}

function save(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value)
  } catch {
    // Not remembered; the choice still applies on this page.
  }
}

/** "Stamp as evidence" as the person last chose it here; null when never chosen (the organisation's default applies). */
export function loadEvidenceStamp(): boolean | null {
  const value = load(EVIDENCE_STAMP_KEY)
  return value === null ? null : value === 'on'
}

export function saveEvidenceStamp(on: boolean): void {
  save(EVIDENCE_STAMP_KEY, on ? 'on' : 'off')
}

/** Whether the stamp carries the place; off unless turned on here. */
export function loadEvidencePlace(): boolean {
  return load(EVIDENCE_PLACE_KEY) === 'on'
}

export function saveEvidencePlace(on: boolean): void {
  save(EVIDENCE_PLACE_KEY, on ? 'on' : 'off')
}

/** The person confirmed once that the place is shown on the photo and kept in the record. */
export function loadPlaceConsent(): boolean {
  return load(PLACE_CONSENT_KEY) === 'yes'
}

export function savePlaceConsent(): void {
  save(PLACE_CONSENT_KEY, 'yes')
}
