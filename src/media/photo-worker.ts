/**
 * Web Worker that prepares photos off the main thread (decode, orient, downscale, re-encode), so
 * scrolling and typing captions stay smooth while a batch of 12 MP photos is processed.
 * Protocol: { id, request: EncodeRequest } → { id, result } | { id, error, unavailable };
 * { warmUp: true } (no answer) runs the decoder probe before the first photo arrives.
 */
import '@/lib/polyfills'
import { encodeImage, EncodeUnavailableError, warmUpEncoder, type EncodeRequest } from './canvas-encode'

type WorkerRequest = { id: number; request: EncodeRequest } | { warmUp: true }

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  if ('warmUp' in event.data) {
    await warmUpEncoder()
    return
  }
  const { id, request } = event.data
  try {
    const result = await encodeImage(request)
    self.postMessage({ id, result })
  } catch (err) {
    self.postMessage({ id, error: String(err), unavailable: err instanceof EncodeUnavailableError })
  }
}
