/**
 * Web Worker that prepares photos off the main thread (decode, orient, downscale, re-encode), so
 * scrolling and typing captions stay smooth while a batch of 12 MP photos is processed.
 * Protocol: { id, request: EncodeRequest } → { id, result } | { id, error, unavailable }.
 */
import { encodeImage, EncodeUnavailableError, type EncodeRequest } from './canvas-encode'

interface WorkerRequest {
  id: number
  request: EncodeRequest
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { id, request } = event.data
  try {
    const result = await encodeImage(request)
    self.postMessage({ id, result })
  } catch (err) {
    self.postMessage({ id, error: String(err), unavailable: err instanceof EncodeUnavailableError })
  }
}
