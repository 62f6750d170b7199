/**
 * Web Worker that prepares photos off the main thread (decode, orient, downscale, re-encode), so
 * scrolling and typing captions stay smooth while a batch of 12 MP photos is processed; it also
 * draws marks into prepared photos (compose-photo.ts).
 * Protocol: { id, request: EncodeRequest } | { id, compose: ComposeRequest } → { id, result } | { id, error, unavailable };
 * { warmUp: true } (no answer) runs the decoder probe before the first photo arrives.
 */
import '@/lib/polyfills'
import { encodeImage, EncodeUnavailableError, warmUpEncoder, type EncodeRequest } from './canvas-encode'
import { composeImage, type ComposeRequest } from './compose-photo'

type WorkerRequest = { id: number; request: EncodeRequest } | { id: number; compose: ComposeRequest } | { warmUp: true }

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  if ('warmUp' in event.data) {
    await warmUpEncoder()
    return
  }
  const job = event.data
  const { id } = job
  try {
    const result = 'compose' in job ? await composeImage(job.compose) : await encodeImage(job.request)
    self.postMessage({ id, result })
  } catch (err) {
    self.postMessage({ id, error: String(err), unavailable: err instanceof EncodeUnavailableError })
  }
}
