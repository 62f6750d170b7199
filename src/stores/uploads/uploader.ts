/**
 * The uploader: sends ready items to POST /api/documents/:docId/resources in queue order, at most
 * QUEUE_SETTINGS.concurrency at once, retrying what can succeed with exponential backoff (at least
 * as long as the server's Retry-After). Going offline aborts the requests on the wire; they are
 * sent again when the network is back without counting as failed attempts.
 */
import { reactive, type Ref } from 'vue'
import { ApiError, isRetryable } from '@/api/http'
import { uploadResource } from '@/api/resources'
import { uploadResumable } from '@/api/resumable-uploads'
import { contentHash } from '@/media/content-hash'
import { createResumableUrlStorage } from './persistence/resumable-url-storage'
import { Cancelled, sleep } from '@/lib/sleep'
import { setStatus, toItemError, type Batch, type QueueItem } from './queue-item'
import { RESTAMP_CODES } from './evidence-stage'
import { QUEUE_SETTINGS } from './settings'

/** Exponential backoff with jitter (50–100 % of the step), at least what Retry-After asks for. */
export function backoffDelay(attempt: number, error: unknown): number {
  const step = Math.min(QUEUE_SETTINGS.maxDelayMs, QUEUE_SETTINGS.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  const jittered = step * (0.5 + Math.random() * 0.5)
  const retryAfter = error instanceof ApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0
  return Math.max(jittered, retryAfter)
}

export interface UploaderDeps {
  items: Readonly<Ref<QueueItem[]>>
  find(id: string): QueueItem | undefined
  batch: Readonly<Ref<Batch>>
  /** Prepared bytes by item id. */
  blobs: ReadonlyMap<string, Blob>
  online: Readonly<Ref<boolean>>
  whenOnline(): Promise<void>
  persist(): Promise<void>
  /** An upload ended (uploaded or failed): start the next, and insert when everything is up. */
  onSettled(): void
  /** Replaces a refused evidence code: new code, new stamp, new bytes and hash (evidence-stage.ts). */
  restamp?(id: string): Promise<void>
  /** Uploads running, shared by the uploaders of every waiting batch: together they stay within the bound. */
  slots?: { inFlight: number }
  /** The item's upload waits (its markup editor is open). */
  held?(id: string): boolean
}

/** A refused code is replaced at most this often per upload (a server refusing every code must not loop). */
const MAX_RESTAMPS = 3

/**
 * Sends one prepared file: above QUEUE_SETTINGS.resumableAboveBytes through tus (continues after a dropped
 * connection or a reload from the last byte the server has), else in one request. Both carry the
 * SHA-256 of the bytes, so the server refuses anything that changed on the way.
 */
function send(
  docId: string,
  blob: Blob,
  item: QueueItem,
  options: { sha256: string | null; signal: AbortSignal; onProgress: (loaded: number, total: number) => void },
) {
  const evidence = item.evidence?.claim ?? null
  if (blob.size > QUEUE_SETTINGS.resumableAboveBytes && options.sha256) {
    return uploadResumable(docId, blob, item.name, item.mediaType, {
      ...options,
      sha256: options.sha256,
      urlStorage: resumeUrls,
      evidence,
    })
  }
  return uploadResource(docId, blob, item.name, item.mediaType, { ...options, sha256: options.sha256 ?? undefined, evidence })
}

const resumeUrls = createResumableUrlStorage()

export function createUploader(deps: UploaderDeps) {
  /** Abort controllers of running uploads (and their backoffs) by item id. */
  const controllers = new Map<string, AbortController>()
  /** Controllers of the upload requests on the wire (one per running attempt). */
  const requestControllers = new Set<AbortController>()
  /** Per-item bytes sent (reactive for the total progress bar). */
  const sent = reactive(new Map<string, number>())
  const slots = deps.slots ?? { inFlight: 0 }

  /** Starts uploads for ready items, in queue order, up to the concurrency bound, while online. */
  function pump(): void {
    if (!deps.online.value) return
    for (const item of deps.items.value) {
      if (slots.inFlight >= QUEUE_SETTINGS.concurrency) return
      if (item.status === 'ready' && !controllers.has(item.id) && !deps.held?.(item.id)) void upload(item.id)
    }
  }

  async function upload(id: string): Promise<void> {
    const docId = deps.batch.value.document?.docId
    const item = deps.find(id)
    if (!docId || !deps.blobs.has(id) || !item) return
    let restamps = 0
    const controller = new AbortController()
    controllers.set(id, controller)
    slots.inFlight++
    setStatus(item, 'uploading', { error: null })
    try {
      for (;;) {
        await deps.whenOnline()
        const current = deps.find(id)
        if (!current || controller.signal.aborted) throw new Cancelled()
        // Read on each attempt: a re-stamp replaces the bytes.
        const blob = deps.blobs.get(id)
        if (!blob) throw new Cancelled()
        current.attempts++
        sent.set(id, 0)
        const request = new AbortController()
        const abortRequest = () => request.abort()
        controller.signal.addEventListener('abort', abortRequest)
        requestControllers.add(request)
        try {
          // A queue saved by an earlier version has no hash yet.
          current.sha256 ??= await contentHash(blob).catch(() => null)
          const resource = await send(docId, blob, current, {
            sha256: current.sha256,
            signal: request.signal,
            onProgress: (loaded, total) => {
              sent.set(id, loaded)
              const it = deps.find(id)
              if (it) it.progress = total > 0 ? Math.min(0.99, loaded / total) : 0
            },
          })
          setStatus(current, 'uploaded', { resource, progress: 1, error: null })
          break
        } catch (err) {
          if (controller.signal.aborted) throw new Cancelled()
          if (err instanceof ApiError && RESTAMP_CODES.has(err.code) && deps.restamp && restamps < MAX_RESTAMPS) {
            // The code cannot register these bytes: a fresh code and stamp, sent at once (not a failed attempt).
            restamps++
            current.attempts--
            const restamped = await deps.restamp(id).then(
              () => true,
              () => false,
            )
            if (restamped) continue
            setStatus(current, 'failed', { error: toItemError(err), progress: 0 })
            break
          }
          // Offline failures (and requests we aborted on going offline) are the network's, not the
          // item's: wait for the network, and do not count the attempt.
          if (!deps.online.value || request.signal.aborted) {
            current.attempts--
            continue
          }
          if (!isRetryable(err) || current.attempts >= QUEUE_SETTINGS.maxAttempts) {
            setStatus(current, 'failed', { error: toItemError(err), progress: 0 })
            break
          }
          current.progress = 0
          await sleep(backoffDelay(current.attempts, err), controller.signal)
        } finally {
          requestControllers.delete(request)
          controller.signal.removeEventListener('abort', abortRequest)
        }
      }
    } catch (err) {
      if (!(err instanceof Cancelled)) throw err
    } finally {
      controllers.delete(id)
      sent.delete(id)
      slots.inFlight--
    }
    if (!deps.find(id)) return
    await deps.persist()
    deps.onSettled()
  }

  return {
    pump,
    /** Cancels one item's upload (its request is aborted). */
    cancel: (id: string) => controllers.get(id)?.abort(),
    cancelAll: () => {
      for (const controller of controllers.values()) controller.abort()
    },
    /** Aborts the requests on the wire (going offline); their uploads wait and send again. */
    abortRequests: () => {
      for (const request of requestControllers) request.abort()
    },
    /** An upload is running or an item waits for one. */
    hasWork: () => slots.inFlight > 0 || deps.items.value.some((i) => i.status === 'ready'),
    /** Bytes of the item sent so far in the running attempt. */
    bytesSent: (id: string) => sent.get(id),
  }
}
