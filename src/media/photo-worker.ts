/**
 * Web Worker that prepares photos off the main thread (decode, orient, downscale, re-encode), so
 * scrolling and typing captions stay smooth while a batch of 12 MP photos is processed.
 * Protocol: { id, request: EncodeRequest } → { id, result } | { id, error, unavailable };
 * { id, stamp: StampRequest } → { id, result: { blob } } (the evidence stamp, stamp-photo.ts) or the same error;
 * { warmUp: true } (no answer) runs the decoder probe before the first photo arrives.
 */
import { encodeImage, EncodeUnavailableError, warmUpEncoder, type EncodeRequest } from './canvas-encode'
import { stampPhoto, type StampRequest } from './stamp-photo'

type WorkerRequest = { id: number; request: EncodeRequest } | { id: number; stamp: StampRequest } | { warmUp: true }

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  if ('warmUp' in event.data) {
    await warmUpEncoder()
    return
  }
  const { id } = event.data
  try {
    const result = 'stamp' in event.data ? { blob: await stampPhoto(event.data.stamp) } : await encodeImage(event.data.request)
    self.postMessage({ id, result })
  } catch (err) {
    self.postMessage({ id, error: String(err), unavailable: err instanceof EncodeUnavailableError })
  }
}
