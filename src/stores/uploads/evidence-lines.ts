/**
 * What the evidence stamp says, line by line (docs/evidence.md#the-h5-side; the order is a contract
 * with the server): the time, the place (only when on), the document, the person, the code, the
 * verify address. The same lines are burned into the photo and sent as the claim's `lines`.
 */
import { MAX_EVIDENCE_LINE_LENGTH, type EvidenceClaim } from '@contract/api'
import type { EvidenceStamp } from '@/media/evidence-stamp'
import type { TakenAt } from '@/media/taken-at'
import { deviceOffsetAt } from '@/lib/taken-at-caption'

/** The page's wording of each line (the composer sets it from its translations). */
export interface StampWords {
  taken(time: string): string
  /** The photo recorded no time: the time it was picked, saying so. */
  picked(time: string): string
  place(place: string): string
  document(name: string): string
  person(name: string): string
  code(code: string): string
}

export const ENGLISH_STAMP_WORDS: StampWords = {
  taken: (time) => `Taken ${time}`,
  picked: (time) => `Picked ${time} (no capture time in the photo)`,
  place: (place) => `Place ${place}`,
  document: (name) => `Document ${name}`,
  person: (name) => `By ${name}`,
  code: (code) => `Code ${code}`,
}

/** A long document name is cut so the panel stays a panel. */
const DOCUMENT_NAME_MAX = 40

const pad = (n: number) => String(n).padStart(2, '0')

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+'
  const abs = Math.abs(minutes)
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** A wall-clock time with its UTC offset: what the stamp shows and the claim carries. */
export interface StampTime {
  takenAt: TakenAt & { offsetMinutes: number }
  source: 'exif' | 'picked'
}

/** The EXIF time (its own offset, else this device's then), or the moment it was picked. */
export function stampTime(exif: TakenAt | null | undefined, pickedAtMs: number): StampTime {
  if (exif) return { takenAt: { ...exif, offsetMinutes: exif.offsetMinutes ?? deviceOffsetAt(exif) }, source: 'exif' }
  const d = new Date(pickedAtMs)
  return {
    takenAt: {
      year: d.getFullYear(),
      month: d.getMonth() + 1,
      day: d.getDate(),
      hour: d.getHours(),
      minute: d.getMinutes(),
      offsetMinutes: -d.getTimezoneOffset(),
    },
    source: 'picked',
  }
}

/** ISO 8601 with the offset (seconds are not in EXIF's minute-precision reading: :00). */
export function isoOf(t: StampTime): string {
  const a = t.takenAt
  return `${a.year}-${pad(a.month)}-${pad(a.day)}T${pad(a.hour)}:${pad(a.minute)}:00${offsetText(a.offsetMinutes)}`
}

function shown(t: StampTime): string {
  const a = t.takenAt
  return `${a.year}-${pad(a.month)}-${pad(a.day)} ${pad(a.hour)}:${pad(a.minute)} UTC${offsetText(a.offsetMinutes)}`
}

function cut(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim())
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`
}

export interface StampFacts {
  time: StampTime
  /** Null when place is off (or left empty). */
  place: string | null
  documentName: string
  personName: string
  code: string
  verifyUrl: string
}

/** The claim (X-Evidence / tus `evidence`) whose `lines` are exactly what gets stamped. */
export function evidenceClaim(words: StampWords, facts: StampFacts): EvidenceClaim {
  const place = facts.place?.trim() ? cut(facts.place, MAX_EVIDENCE_LINE_LENGTH - 20) : null
  const raw = [
    facts.time.source === 'exif' ? words.taken(shown(facts.time)) : words.picked(shown(facts.time)),
    ...(place ? [words.place(place)] : []),
    words.document(cut(facts.documentName, DOCUMENT_NAME_MAX)),
    words.person(facts.personName),
    words.code(facts.code),
    facts.verifyUrl,
  ]
  return {
    code: facts.code,
    takenAt: isoOf(facts.time),
    takenAtSource: facts.time.source,
    place,
    lines: raw.map((line) => cut(line, MAX_EVIDENCE_LINE_LENGTH)),
  }
}

/** The stamp a claim is drawn as: its lines, and a QR code of its verify address (the last line). */
export function stampOf(claim: EvidenceClaim | null | undefined): EvidenceStamp | null {
  // No Array.prototype.at: DingTalk's Android kernel is Chrome 69.
  const verifyUrl = claim ? claim.lines[claim.lines.length - 1] : undefined
  return claim && verifyUrl ? { lines: claim.lines, verifyUrl } : null
}
