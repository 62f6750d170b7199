/**
 * The evidence stamp (docs/evidence.md#the-h5-side): a panel burned into a prepared photo's pixels,
 * bottom-left, with the lines the upload's `X-Evidence` claim lists and a small QR code of the
 * verify address. Runs wherever the photo is composed: in the photo worker (OffscreenCanvas) or on
 * the main thread. Only the device's own fonts are used (no download); the family list covers
 * iOS, Android, Windows and Linux CJK fonts.
 */
import { encode } from 'uqr'

export interface EvidenceStamp {
  /** The text lines, top to bottom, exactly as sent in the claim's `lines`. */
  lines: string[]
  /** The verify address the QR code holds (`<origin>/v/<code>`). */
  verifyUrl: string
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D

export const STAMP_FONT_FAMILY =
  '"PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif'

/** Text height as a share of the photo's shorter side (the issue asks for at least 2.5 %). */
const TEXT_SHARE = 0.028
/** Never smaller than this, whatever the photo (a 320 px thumbnail stays readable). */
const MIN_FONT_PX = 12
const PANEL_FILL = 'rgba(0, 0, 0, 0.62)'
const TEXT_FILL = '#ffffff'
const TEXT_OUTLINE = 'rgba(0, 0, 0, 0.85)'

export interface StampLayout {
  fontPx: number
  /** The panel's box in photo pixels. */
  panel: { x: number; y: number; width: number; height: number }
  /** Rows as drawn: a long line wraps onto further rows. */
  rows: string[]
  /** The QR code's modules (true = dark), its top-left corner and module size in px. */
  qr: { x: number; y: number; module: number; size: number; data: boolean[][] }
}

function fontOf(px: number): string {
  return `600 ${px}px ${STAMP_FONT_FAMILY}`
}

/** Letters, digits and the CJK the stamp's words use: enough for the engine to pick every face. */
const FONT_SAMPLE = '拍摄于选取地点文档拍摄人验证码 Taken Place Document By Code 0123456789-:/'
let fontReady: Promise<void> | null = null

/**
 * Waits until the stamp's font can be used, where the engine offers `FontFaceSet.load` (documents
 * and, in Chromium and WebKit, workers): an engine still loading a matching face would otherwise
 * draw the first stamp with a fallback font. Once per page or worker: system fonts do not change.
 */
export function stampFontReady(): Promise<void> {
  fontReady ??= (async () => {
    const fonts = (globalThis as { fonts?: FontFaceSet }).fonts ?? (typeof document === 'undefined' ? undefined : document.fonts)
    if (!fonts || typeof fonts.load !== 'function') return
    try {
      await fonts.load(fontOf(16), FONT_SAMPLE)
    } catch {
      // Drawing with the fallback still gives a readable stamp.
    }
  })()
  return fontReady
}

/** Breaks `text` into rows no wider than `maxWidth` (by characters: CJK has no spaces to break at). */
function wrap(ctx: Context2D, text: string, maxWidth: number): string[] {
  const rows: string[] = []
  let row = ''
  for (const ch of Array.from(text)) {
    if (row && ctx.measureText(row + ch).width > maxWidth) {
      rows.push(row)
      row = ch.trimStart()
    } else {
      row += ch
    }
  }
  if (row) rows.push(row)
  return rows
}

/** Where everything goes on a width×height photo (exported for tests and the e2e pixel check). */
export function layoutStamp(ctx: Context2D, width: number, height: number, stamp: EvidenceStamp): StampLayout {
  const short = Math.min(width, height)
  const fontPx = Math.max(MIN_FONT_PX, Math.ceil(short * TEXT_SHARE))
  const margin = Math.round(short * 0.02)
  const pad = Math.round(fontPx * 0.6)
  const rowHeight = Math.round(fontPx * 1.3)
  const qrCode = encode(stamp.verifyUrl, { ecc: 'M', border: 2 })
  // At least 2 px per module (a phone camera and jsQR read that), about four text rows tall.
  const module = Math.max(2, Math.floor((rowHeight * 4) / qrCode.size))
  const qrSize = module * qrCode.size
  ctx.font = fontOf(fontPx)
  const maxText = width - 2 * margin - 3 * pad - qrSize
  const rows = stamp.lines.flatMap((line) => wrap(ctx, line, Math.max(fontPx * 4, maxText)))
  const textWidth = Math.min(
    maxText,
    rows.reduce((w, r) => Math.max(w, ctx.measureText(r).width), 0),
  )
  const panelHeight = Math.max(rows.length * rowHeight, qrSize) + 2 * pad
  const panel = {
    x: margin,
    y: height - margin - panelHeight,
    width: Math.ceil(textWidth) + qrSize + 3 * pad,
    height: panelHeight,
  }
  return {
    fontPx,
    panel,
    rows,
    qr: {
      x: panel.x + panel.width - pad - qrSize,
      y: panel.y + panel.height - pad - qrSize,
      module,
      size: qrCode.size,
      data: qrCode.data,
    },
  }
}

/**
 * Draws the stamp onto a photo already drawn on `ctx` (width×height px): a dark translucent panel
 * with white text outlined in black, so it reads on bright and on dark photos alike, and the QR
 * code on its own white square (quiet zone included) at the panel's right.
 */
export function drawEvidenceStamp(ctx: Context2D, width: number, height: number, stamp: EvidenceStamp): StampLayout {
  const layout = layoutStamp(ctx, width, height, stamp)
  const { panel, fontPx, rows, qr } = layout
  ctx.save()
  ctx.fillStyle = PANEL_FILL
  ctx.fillRect(panel.x, panel.y, panel.width, panel.height)

  ctx.font = fontOf(fontPx)
  ctx.textBaseline = 'middle'
  ctx.textAlign = 'left'
  ctx.lineJoin = 'round'
  ctx.lineWidth = Math.max(1, fontPx * 0.12)
  ctx.strokeStyle = TEXT_OUTLINE
  ctx.fillStyle = TEXT_FILL
  const pad = Math.round(fontPx * 0.6)
  const rowHeight = Math.round(fontPx * 1.3)
  rows.forEach((row, i) => {
    const y = panel.y + pad + rowHeight * i + rowHeight / 2
    ctx.strokeText(row, panel.x + pad, y)
    ctx.fillText(row, panel.x + pad, y)
  })

  ctx.fillStyle = '#ffffff'
  ctx.fillRect(qr.x, qr.y, qr.module * qr.size, qr.module * qr.size)
  ctx.fillStyle = '#000000'
  qr.data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) ctx.fillRect(qr.x + x * qr.module, qr.y + y * qr.module, qr.module, qr.module)
    }),
  )
  ctx.restore()
  return layout
}
