/**
 * Chooses where photos are re-encoded: in Web Workers when this browser has OffscreenCanvas and
 * createImageBitmap, otherwise on the main thread with a DOM canvas. There is one worker per
 * preparation that may run at once (preparationConcurrency(), at most 2), so two photos are decoded
 * and encoded on two threads. A worker that fails to start or cannot decode a given image falls
 * back to the main thread for that image.
 */
import {
  encodeImage,
  EncodeUnavailableError,
  offscreenSupported,
  warmUpEncoder,
  type EncodeRequest,
  type EncodeResult,
} from './canvas-encode'
import { composeImage, type ComposeRequest } from './compose-photo'
import { preparationConcurrency } from './prepare-pool'

/** Something that turns a picked image into an upright, downscaled, metadata-free one. */
export interface PhotoEncoder {
  /** @throws EncodeUnavailableError when the image cannot be decoded or drawn on this device. */
  encode(request: EncodeRequest): Promise<EncodeResult>
  /**
   * Gets ready for the first photo ahead of time (starts the workers, which load their script and
   * probe the decoder); on a 150 ms link that is a round trip or two the first upload no longer waits for.
   */
  warmUp?(): void
  /** Draws layers into a prepared photo (compose-photo.ts); absent: the main thread does it. */
  compose?(request: ComposeRequest): Promise<EncodeResult>
}

/** One job for a photo worker (photo-worker.ts). */
type WorkerJob = { request: EncodeRequest } | { compose: ComposeRequest }

interface WorkerReply {
  id: number
  result?: EncodeResult
  error?: string
  unavailable?: boolean
}

/** Worker replies longer than this mean a stuck decoder; the main thread gets a try instead. */
const WORKER_TIMEOUT_MS = 60_000

class WorkerEncoder implements PhotoEncoder {
  private worker: Worker | null = null
  private broken = false
  private nextId = 1
  private pending = new Map<number, { resolve(r: EncodeResult): void; reject(e: Error): void }>()

  /** Encodes this worker is busy with. */
  get load(): number {
    return this.pending.size
  }

  private start(): Worker | null {
    if (this.worker || this.broken) return this.worker
    try {
      this.worker = new Worker(new URL('./photo-worker.ts', import.meta.url), { type: 'module' })
      this.worker.onmessage = (event: MessageEvent<WorkerReply>) => {
        const waiter = this.pending.get(event.data.id)
        if (!waiter) return
        this.pending.delete(event.data.id)
        if (event.data.result) waiter.resolve(event.data.result)
        else waiter.reject(new EncodeUnavailableError(event.data.error ?? 'worker failed'))
      }
      this.worker.onerror = () => this.fail(new EncodeUnavailableError('photo worker crashed'))
    } catch {
      this.broken = true
    }
    return this.worker
  }

  private fail(err: Error): void {
    this.broken = true
    this.worker?.terminate()
    this.worker = null
    for (const waiter of this.pending.values()) waiter.reject(err)
    this.pending.clear()
  }

  warmUp(): void {
    this.start()?.postMessage({ warmUp: true })
  }

  encode(request: EncodeRequest): Promise<EncodeResult> {
    return this.run({ request }, () => encodeImage(request))
  }

  compose(request: ComposeRequest): Promise<EncodeResult> {
    return this.run({ compose: request }, () => composeImage(request))
  }

  private async run(job: WorkerJob, onMainThread: () => Promise<EncodeResult>): Promise<EncodeResult> {
    const worker = this.start()
    if (worker) {
      try {
        return await new Promise<EncodeResult>((resolve, reject) => {
          const id = this.nextId++
          const timer = setTimeout(() => {
            this.pending.delete(id)
            reject(new EncodeUnavailableError('photo worker timed out'))
          }, WORKER_TIMEOUT_MS)
          this.pending.set(id, {
            resolve: (r) => (clearTimeout(timer), resolve(r)),
            reject: (e) => (clearTimeout(timer), reject(e)),
          })
          worker.postMessage({ id, ...job })
        })
      } catch {
        // Some decoders exist only on the main thread (e.g. HEIC via <img> on iOS); try there.
      }
    }
    return onMainThread()
  }
}

/** Hands each encode to the least busy of `size` workers (started on first use). */
class WorkerPoolEncoder implements PhotoEncoder {
  private readonly workers: WorkerEncoder[]

  constructor(size: number) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => new WorkerEncoder())
  }

  warmUp(): void {
    for (const worker of this.workers) worker.warmUp()
  }

  private idlest(): WorkerEncoder {
    return this.workers.reduce((best, w) => (w.load < best.load ? w : best))
  }

  encode(request: EncodeRequest): Promise<EncodeResult> {
    return this.idlest().encode(request)
  }

  compose(request: ComposeRequest): Promise<EncodeResult> {
    return this.idlest().compose(request)
  }
}

const mainThreadEncoder: PhotoEncoder = { encode: encodeImage, compose: composeImage, warmUp: () => void warmUpEncoder() }

let defaultEncoder: PhotoEncoder | null = null

/** The encoder for this browser, created once. */
export function photoEncoder(): PhotoEncoder {
  if (!defaultEncoder) {
    defaultEncoder =
      typeof Worker === 'function' && offscreenSupported() ? new WorkerPoolEncoder(preparationConcurrency()) : mainThreadEncoder
  }
  return defaultEncoder
}
