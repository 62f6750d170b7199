/**
 * The caption each item goes in with: the person's own text, and above it — when the taken-at
 * toggle is on and the photo recorded when it was taken — the line "拍摄于 2026-12-01 14:03" /
 * "Taken 2026-12-01 14:03". The toggle is remembered on this device and off by default.
 */
import { ref } from 'vue'
import { MAX_CAPTION_LENGTH } from '@contract/api'
import { loadTakenAtCaption, saveTakenAtCaption } from '@/lib/device-settings'
import { deviceOffsetAt, formatTakenAt, withTakenAtLine } from '@/lib/taken-at-caption'
import type { QueueItem } from './queue-item'

export function createCaptions() {
  const takenAtOn = ref(loadTakenAtCaption())
  /** The line in the page's language; the composer sets it from its translations. */
  let line = (time: string) => `Taken ${time}`

  return {
    takenAtOn,
    setTakenAtOn(value: boolean): void {
      takenAtOn.value = value
      saveTakenAtCaption(value)
    },
    setLine(format: (time: string) => string): void {
      line = format
    },
    /** What goes in as the item's caption (within the API's maximum). */
    captionOf(item: QueueItem): string {
      const takenAt = takenAtOn.value && item.kind === 'image' ? item.takenAt : null
      const takenLine = takenAt ? line(formatTakenAt(takenAt, deviceOffsetAt(takenAt))) : null
      return withTakenAtLine(item.caption, takenLine).slice(0, MAX_CAPTION_LENGTH)
    },
  }
}
