/**
 * The compose stage (docs/architecture.md#the-compose-stage): draws a photo's layers (marks, then
 * the evidence stamp of src/media/evidence-stamp.ts) into the prepared photo (upright, downscaled, metadata-free) at its full
 * prepared resolution, and encodes the result, which is what is hashed and sent. A photo without
 * layers is not touched: its prepared bytes (and their hash) are sent as they are.
 *
 * Runs in the photo worker where OffscreenCanvas exists (photo-encoder.ts), else on the main thread.
 * The encode is deterministic: the same prepared photo with the same layers gives the same bytes,
 * so marking a photo twice the same way sends nothing new.
 */
import { decode, EncodeUnavailableError, makeCanvas, type EncodeOutputType, type EncodeResult } from './canvas-encode'
import { drawMarks } from './draw-marks'
import { drawEvidenceStamp, stampFontReady, type EvidenceStamp } from './evidence-stamp'
import type { Mark } from './marks'

/** What is drawn over a prepared photo, in this order: the marks, then the evidence stamp over them. */
export interface PhotoLayers {
  marks: Mark[]
  stamp: EvidenceStamp | null
}

export const NO_LAYERS: PhotoLayers = { marks: [], stamp: null }

/** Whether anything would be drawn (no layers: the prepared photo is sent as it is). */
export function hasLayers(layers: PhotoLayers): boolean {
  return layers.marks.length > 0 || layers.stamp !== null
}

/** Prepared photos of these types can be composed (re-encoded as the same type, so names still match). */
export function composable(mediaType: string): mediaType is EncodeOutputType {
  return mediaType === 'image/jpeg' || mediaType === 'image/png'
}

export interface ComposeRequest {
  /** The prepared photo. */
  blob: Blob
  layers: PhotoLayers
  outputType: EncodeOutputType
  /** JPEG quality 0–1 (the preparation's). */
  quality: number
}

/**
 * Draws the layers into the photo and encodes it (wherever this runs: worker or main thread).
 * @throws EncodeUnavailableError when this environment cannot decode or draw the photo.
 */
export async function composeImage(req: ComposeRequest): Promise<EncodeResult> {
  // The device's CJK font must be usable before the first fillText, or the stamp falls back to another.
  if (req.layers.stamp) await stampFontReady()
  const decoded = await decode(req.blob)
  try {
    const { width, height } = decoded
    const { ctx, toBlob } = makeCanvas(width, height)
    if (req.outputType === 'image/jpeg') {
      ctx.fillStyle = '#fff'
      ctx.fillRect(0, 0, width, height)
    }
    ctx.drawImage(decoded.source, 0, 0, width, height)
    drawMarks(ctx, req.layers.marks, width, height)
    if (req.layers.stamp) drawEvidenceStamp(ctx, width, height, req.layers.stamp)
    const blob = await toBlob(req.outputType, req.quality)
    if (blob.type && blob.type !== req.outputType) throw new EncodeUnavailableError(`canvas encoded ${blob.type}`)
    return { blob, width, height, resized: false }
  } finally {
    decoded.close()
  }
}

/** Composes off the main thread where possible (the photo encoder's workers). */
export interface PhotoComposer {
  compose(request: ComposeRequest): Promise<EncodeResult>
}

/**
 * The bytes to send for a prepared photo with these layers: the prepared photo itself when there
 * are none, else the composed photo.
 */
export async function composePhoto(
  prepared: Blob,
  layers: PhotoLayers,
  options: { quality: number; composer?: PhotoComposer },
): Promise<Blob> {
  if (!hasLayers(layers)) return prepared
  const outputType = composable(prepared.type) ? prepared.type : 'image/jpeg'
  const composer = options.composer ?? { compose: composeImage }
  return (await composer.compose({ blob: prepared, layers, outputType, quality: options.quality })).blob
}
