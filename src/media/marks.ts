/**
 * Marks drawn on a photo (issue 17), kept as data with the queue item: every coordinate is
 * normalised to the photo (0–1 of its width and height), so the same marks draw the same way on
 * the editor's preview and on the full-resolution prepared photo. draw-marks.ts draws them.
 */
import { z } from 'zod'

export const MARK_TOOLS = ['arrow', 'ellipse', 'rect', 'pen', 'text', 'cover', 'pixelate'] as const
export type MarkTool = (typeof MARK_TOOLS)[number]

/** The colours offered; red is the default (DESIGN §8). */
export const MARK_COLOURS = ['#e53935', '#fdd835', '#43a047', '#1e88e5', '#ffffff', '#000000'] as const
export const DEFAULT_MARK_COLOUR = MARK_COLOURS[0]

export type MarkWidth = 'thin' | 'thick'

export const MarkSchema = z.object({
  id: z.string(),
  tool: z.enum(MARK_TOOLS),
  colour: z.string().regex(/^#[0-9a-f]{6}$/i),
  width: z.enum(['thin', 'thick']),
  /** x0, y0, x1, y1, … normalised to the photo; two points for shapes (corners or ends), one for text. */
  points: z.array(z.number()),
  /** The text of a text mark. */
  text: z.string().max(200).optional(),
})
export type Mark = z.infer<typeof MarkSchema>

/** Whether the two lists of marks draw the same thing (the same data, in the same order). */
export function sameMarks(a: readonly Mark[], b: readonly Mark[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** A mark moved by (dx, dy), in normalised units. */
export function movedMark(mark: Mark, dx: number, dy: number): Mark {
  return { ...mark, points: mark.points.map((v, i) => (i % 2 === 0 ? v + dx : v + dy)) }
}

/** The smallest box holding a mark's points (normalised): [left, top, right, bottom]. */
export function markBounds(mark: Mark): [number, number, number, number] {
  const xs = mark.points.filter((_, i) => i % 2 === 0)
  const ys = mark.points.filter((_, i) => i % 2 === 1)
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]
}
