/**
 * The caption line that says when a photo was taken ("拍摄于 2026-12-01 14:03" / "Taken 2026-12-01
 * 14:03"). The time is the one the camera showed where the photo was taken; when the photo records
 * its UTC offset and that differs from this device's, the offset is added, so a reader elsewhere is
 * not misled ("Taken 2026-12-01 14:03 (UTC+09:00)").
 */
import type { TakenAt } from '@/media/taken-at'

const pad = (n: number) => String(n).padStart(2, '0')

/** "2026-12-01 14:03", plus " (UTC±hh:mm)" when the photo's offset is known and not the device's. */
export function formatTakenAt(takenAt: TakenAt, deviceOffsetMinutes: number): string {
  const text = `${takenAt.year}-${pad(takenAt.month)}-${pad(takenAt.day)} ${pad(takenAt.hour)}:${pad(takenAt.minute)}`
  const offset = takenAt.offsetMinutes
  if (offset === null || offset === deviceOffsetMinutes) return text
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  return `${text} (UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)})`
}

/** This device's UTC offset at the moment the photo was taken (minutes east, as EXIF counts them). */
export function deviceOffsetAt(takenAt: TakenAt): number {
  return -new Date(takenAt.year, takenAt.month - 1, takenAt.day, takenAt.hour, takenAt.minute).getTimezoneOffset()
}

/**
 * The caption as sent: the taken-at line (already translated) first, then what the person wrote;
 * just the person's text when there is no line.
 */
export function withTakenAtLine(caption: string, takenAtLine: string | null): string {
  const own = caption.trim()
  if (!takenAtLine) return own
  return own ? `${takenAtLine}\n${own}` : takenAtLine
}
