/**
 * The one renderer of marks (marks.ts): the compose stage draws them into the full-resolution
 * prepared photo, and the editor draws its preview with the same function, so what the person sees
 * is what is sent. Pure: it only draws into the context it is given, which must already hold the
 * photo (the pixelate box averages the pixels under it).
 *
 * Sizes are fractions of the photo's long edge, so a mark looks the same on a 390 px preview and
 * on the 2560 px photo. Pixelate tiles sit on a grid anchored at the photo's corner, with sides that
 * are multiples of 16 px at full size (the JPEG 4:2:0 block), so each tile is one flat colour in the
 * encoded file; nothing of the original shows through a cover or pixelate box.
 */
import type { Mark } from './marks'

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D

/** Line widths as a fraction of the long edge. */
const LINE_WIDTH = { thin: 0.006, thick: 0.014 } as const
/** Text height as a fraction of the long edge. */
const TEXT_SIZE = { thin: 0.045, thick: 0.07 } as const
/** Pixelate tiles: about this many across the long edge. */
const TILES_ACROSS = 48
/** The device's own fonts, CJK included (no web font is loaded). */
export const MARK_FONT_FAMILY = 'system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'

/** Side of a pixelate tile in px for a photo of this size (at full size a multiple of 16). */
export function tileSize(width: number, height: number): number {
  const raw = Math.max(width, height) / TILES_ACROSS
  return raw >= 16 ? Math.round(raw / 16) * 16 : Math.max(2, Math.round(raw))
}

function box(mark: Mark, width: number, height: number): { x: number; y: number; w: number; h: number } {
  const [x0 = 0, y0 = 0, x1 = x0, y1 = y0] = mark.points
  const x = Math.min(x0, x1) * width
  const y = Math.min(y0, y1) * height
  return { x, y, w: Math.abs(x1 - x0) * width, h: Math.abs(y1 - y0) * height }
}

function pixelate(ctx: Ctx, mark: Mark, width: number, height: number): void {
  const b = box(mark, width, height)
  const tile = tileSize(width, height)
  const left = Math.max(0, Math.floor(b.x / tile) * tile)
  const top = Math.max(0, Math.floor(b.y / tile) * tile)
  const right = Math.min(width, Math.ceil((b.x + b.w) / tile) * tile)
  const bottom = Math.min(height, Math.ceil((b.y + b.h) / tile) * tile)
  if (right <= left || bottom <= top) return
  const image = ctx.getImageData(left, top, right - left, bottom - top)
  const { data } = image
  const w = right - left
  for (let ty = 0; ty < bottom - top; ty += tile) {
    for (let tx = 0; tx < w; tx += tile) {
      const tw = Math.min(tile, w - tx)
      const th = Math.min(tile, bottom - top - ty)
      let r = 0
      let g = 0
      let bl = 0
      for (let y = ty; y < ty + th; y++) {
        for (let x = tx; x < tx + tw; x++) {
          const i = (y * w + x) * 4
          r += data[i] ?? 0
          g += data[i + 1] ?? 0
          bl += data[i + 2] ?? 0
        }
      }
      const n = tw * th
      ctx.fillStyle = `rgb(${Math.round(r / n)},${Math.round(g / n)},${Math.round(bl / n)})`
      ctx.fillRect(left + tx, top + ty, tw, th)
    }
  }
}

function arrow(ctx: Ctx, mark: Mark, width: number, height: number, lineWidth: number): void {
  const [x0 = 0, y0 = 0, x1 = x0, y1 = y0] = mark.points
  const ax = x0 * width
  const ay = y0 * height
  const bx = x1 * width
  const by = y1 * height
  const angle = Math.atan2(by - ay, bx - ax)
  const head = lineWidth * 4
  ctx.beginPath()
  ctx.moveTo(ax, ay)
  ctx.lineTo(bx - Math.cos(angle) * head * 0.6, by - Math.sin(angle) * head * 0.6)
  ctx.stroke()
  ctx.beginPath()
  ctx.moveTo(bx, by)
  ctx.lineTo(bx - head * Math.cos(angle - Math.PI / 7), by - head * Math.sin(angle - Math.PI / 7))
  ctx.lineTo(bx - head * Math.cos(angle + Math.PI / 7), by - head * Math.sin(angle + Math.PI / 7))
  ctx.closePath()
  ctx.fill()
}

function pen(ctx: Ctx, mark: Mark, width: number, height: number): void {
  ctx.beginPath()
  for (let i = 0; i + 1 < mark.points.length; i += 2) {
    const x = (mark.points[i] ?? 0) * width
    const y = (mark.points[i + 1] ?? 0) * height
    if (i === 0) ctx.moveTo(x, y)
    else ctx.lineTo(x, y)
  }
  if (mark.points.length === 2) ctx.lineTo((mark.points[0] ?? 0) * width + 0.01, (mark.points[1] ?? 0) * height)
  ctx.stroke()
}

/** The font of a text mark on a photo of this size (the editor sizes its text box with it). */
export function textFont(mark: Pick<Mark, 'width'>, width: number, height: number): string {
  return `bold ${Math.round(TEXT_SIZE[mark.width] * Math.max(width, height))}px ${MARK_FONT_FAMILY}`
}

function text(ctx: Ctx, mark: Mark, width: number, height: number): void {
  if (!mark.text) return
  const [x = 0, y = 0] = mark.points
  ctx.font = textFont(mark, width, height)
  ctx.textBaseline = 'top'
  // A dark outline keeps light text readable on a light photo and the other way round.
  ctx.lineWidth = Math.max(1, Math.round(TEXT_SIZE[mark.width] * Math.max(width, height) * 0.08))
  ctx.strokeStyle = mark.colour.toLowerCase() === '#000000' ? '#ffffff' : '#000000'
  ctx.strokeText(mark.text, x * width, y * height)
  ctx.fillText(mark.text, x * width, y * height)
}

/** Draws one mark into a context of width×height px that holds the photo. */
export function drawMark(ctx: Ctx, mark: Mark, width: number, height: number): void {
  const lineWidth = Math.max(2, LINE_WIDTH[mark.width] * Math.max(width, height))
  ctx.save()
  ctx.strokeStyle = mark.colour
  ctx.fillStyle = mark.colour
  ctx.lineWidth = lineWidth
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  const b = box(mark, width, height)
  switch (mark.tool) {
    case 'rect':
      ctx.strokeRect(b.x, b.y, b.w, b.h)
      break
    case 'ellipse':
      ctx.beginPath()
      ctx.ellipse(b.x + b.w / 2, b.y + b.h / 2, b.w / 2, b.h / 2, 0, 0, Math.PI * 2)
      ctx.stroke()
      break
    case 'cover':
      ctx.fillStyle = '#000000'
      ctx.fillRect(b.x, b.y, b.w, b.h)
      break
    case 'pixelate':
      pixelate(ctx, mark, width, height)
      break
    case 'arrow':
      arrow(ctx, mark, width, height, lineWidth)
      break
    case 'pen':
      pen(ctx, mark, width, height)
      break
    case 'text':
      text(ctx, mark, width, height)
      break
  }
  ctx.restore()
}

/** Draws marks in order (later ones on top) into a context of width×height px that holds the photo. */
export function drawMarks(ctx: Ctx, marks: readonly Mark[], width: number, height: number): void {
  for (const mark of marks) drawMark(ctx, mark, width, height)
}
