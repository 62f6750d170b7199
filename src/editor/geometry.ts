/** Where things are in the markup editor: the photo fitted to the stage, and which mark is under a point. */
import { markBounds, type Mark } from '@/media/marks'

/** The largest size of a width×height photo that fits the stage (letterboxing lies outside it). */
export function fitPhoto(photo: { width: number; height: number }, stage: { width: number; height: number }) {
  const scale = Math.min(stage.width / photo.width, stage.height / photo.height)
  return { width: Math.max(1, Math.floor(photo.width * scale)), height: Math.max(1, Math.floor(photo.height * scale)) }
}

/** A point 0–1 of the element's box from a client position (clamped to the photo). */
export function normalisedPoint(rect: { left: number; top: number; width: number; height: number }, clientX: number, clientY: number) {
  const clamp = (v: number) => Math.min(1, Math.max(0, v))
  return { x: clamp((clientX - rect.left) / rect.width), y: clamp((clientY - rect.top) / rect.height) }
}

/** The topmost mark whose box (widened by `slack`, normalised) holds the point, or null. */
export function markAt(marks: readonly Mark[], x: number, y: number, slack = 0.02): Mark | null {
  for (let i = marks.length - 1; i >= 0; i--) {
    const mark = marks[i]
    if (!mark) continue
    const [left, top, right, bottom] = markBounds(mark)
    // A text mark's one point is its top-left corner: its box reaches to the right and down.
    const far = mark.tool === 'text' ? 0.25 : 0
    if (x >= left - slack && x <= right + slack + far && y >= top - slack && y <= bottom + slack + far / 2) return mark
  }
  return null
}
