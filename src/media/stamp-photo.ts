/**
 * Burns the evidence stamp into a prepared photo (upright, downscaled, metadata-free) and encodes
 * the result, at the prepared photo's own size. Runs in the photo worker where OffscreenCanvas
 * exists (photo-encoder.ts chooses), else on the main thread. The hash is taken of what this returns.
 */
import { decode, makeCanvas, type EncodeOutputType } from './canvas-encode'
import { drawEvidenceStamp, stampFontReady, type EvidenceStamp } from './evidence-stamp'

export interface StampRequest {
  /** The prepared photo, unstamped. */
  blob: Blob
  stamp: EvidenceStamp
  /** JPEG quality 0–1 (the preparation's). */
  quality: number
}

/** PNG stays PNG (it may be transparent); everything else becomes JPEG. */
function outputTypeOf(blob: Blob): EncodeOutputType {
  return blob.type === 'image/png' ? 'image/png' : 'image/jpeg'
}

/** @throws EncodeUnavailableError when the photo cannot be decoded or drawn here. */
export async function stampPhoto(req: StampRequest): Promise<Blob> {
  await stampFontReady(req.stamp.lines.join(''))
  const decoded = await decode(req.blob)
  try {
    const { width, height } = decoded
    const { ctx, toBlob } = makeCanvas(width, height)
    ctx.drawImage(decoded.source, 0, 0, width, height)
    drawEvidenceStamp(ctx, width, height, req.stamp)
    return await toBlob(outputTypeOf(req.blob), req.quality)
  } finally {
    decoded.close()
  }
}
