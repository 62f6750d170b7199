/**
 * The upload queue (DESIGN.md §1 steps 4–7): picked items are prepared in pick order, a bounded
 * number at a time (QUEUE_SETTINGS.preparations: 2 on most phones), uploaded as soon as they are ready (at most 3 at once, retried with backoff, paused while offline), and when
 * the person has pressed send and every item is uploaded, inserted with ONE insertion call in the
 * order shown. Everything needed to finish survives a reload: the state, each picked file (until it
 * is prepared) and each prepared blob live in IndexedDB, and the insertion's Idempotency-Key and body
 * are saved before the request leaves. See docs/upload-pipeline.md.
 *
 * Item status: preparing → ready → uploading → uploaded → inserting → inserted, or failed (with a
 * reason; retryable ones offer retry).
 */
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowReactive, toRaw, watch } from 'vue'
import type { InsertionRequest, InsertionResponse, Layout, Limits, Position, ResourceResponse } from '@contract/api'
import { MAX_CAPTION_LENGTH } from '@contract/api'
import { ApiError, isRetryable } from '@/api/http'
import { getConfig } from '@/api/config'
import { uploadResource } from '@/api/resources'
import { incompleteDetails, insertResources } from '@/api/insertions'
import {
  DEFAULT_PREPARE_OPTIONS,
  prepareFile,
  type PrepareDeps,
  type PrepareNotice,
  type PrepareOptions,
  type PreparedFile,
} from '@/media/prepare-file'
import { createTaskPool, preparationConcurrency } from '@/media/prepare-pool'
import { photoEncoder } from '@/media/photo-encoder'
import { useOnline } from '@/composables/useOnline'
import {
  clearQueue,
  deleteBlob,
  deleteSource,
  loadBlob,
  loadQueueState,
  loadSource,
  saveBlob,
  saveQueueState,
  saveSource,
} from './upload-queue-db'

export type ItemStatus = 'preparing' | 'ready' | 'uploading' | 'uploaded' | 'inserting' | 'inserted' | 'failed'

/**
 * Why an item failed: a server/client error code (translated under `errors.`) or one of the
 * queue's own codes (translated under `upload.errors.`): too_large, too_many, type_not_accepted,
 * interrupted (its bytes were lost with the page before they were saved), prepare_failed.
 */
export interface ItemError {
  code: string
  /** Values for the message, e.g. { max: '20 MB' }. */
  params?: Record<string, string | number>
  /** Whether retrying can help (network, 5xx, 429); validation failures cannot. */
  retryable: boolean
}

export interface QueueItem {
  id: string
  /** The name as picked (what the person recognises; tests find items by it). */
  pickedName: string
  /** The name it is uploaded under: extension matching the prepared bytes (IMG_1.HEIC → IMG_1.jpg). */
  name: string
  kind: 'image' | 'file'
  mediaType: string
  /** Bytes to upload (after preparation); 0 while preparing. */
  size: number
  /** Bytes as picked. */
  originalSize: number
  caption: string
  /** Picked with "original" on: prepared without re-encoding. */
  original: boolean
  status: ItemStatus
  /** Upload progress 0–1. */
  progress: number
  error: ItemError | null
  notice: PrepareNotice | null
  /** The server's answer to the upload: its resourceToken is what the insertion needs. */
  resource: ResourceResponse | null
  /** Upload attempts made so far (for the current try). */
  attempts: number
  /** Set once the item is in the document. */
  blockId: string | null
}

export interface TargetDocument {
  docId: string
  name: string
  url: string
}

/** The insertion in flight or last tried: its key and exact body are reused on every retry. */
export interface PendingInsertion {
  idempotencyKey: string
  body: InsertionRequest
  itemIds: string[]
  /**
   * A request with this key may have left (saved before it goes out). Every later send, also after a
   * reload, carries `Idempotency-Retry: true`. Absent in queues saved by older versions: treated as sent.
   */
  sentOnce?: boolean
}

export interface Batch {
  document: TargetDocument | null
  position: Position
  layout: Layout
  /** The person pressed send. */
  submitted: boolean
  insertion: PendingInsertion | null
  /** Set when the batch is finished (all inserted, or some failed for good). */
  receipt: { documentUrl: string } | null
  /** Stale resource tokens were already replaced once by uploading again (never loops). */
  tokensRenewed: boolean
}

interface PersistedState {
  version: 1
  /** userId of the person the queue belongs to (a shared device must not hand it to someone else). */
  owner: string | null
  items: QueueItem[]
  batch: Batch
  original: boolean
}

/** Tunables; tests shrink them. */
export const QUEUE_SETTINGS = {
  concurrency: 3,
  /**
   * Photos prepared at once (decoded, downscaled, re-encoded): 2 keeps the uplink busy while the
   * next photo is prepared, 1 on single-core or ≤ 1 GB devices (src/media/prepare-pool.ts).
   */
  preparations: preparationConcurrency(),
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
}

/** DESIGN.md §2 defaults, used until GET /api/config answers (or if it cannot). */
export const DEFAULT_LIMITS: Limits = {
  maxFileBytes: 100 * 1024 * 1024,
  maxImageBytes: 20 * 1024 * 1024,
  maxFilesPerBatch: 50,
  acceptedTypes: [],
}

/** Types the server never accepts whatever the bytes (DESIGN.md §2); refused before uploading. */
const NEVER_ACCEPTED =
  /^(text\/html|application\/xhtml|image\/svg|application\/xml|text\/xml|text\/javascript|application\/(x-)?javascript|application\/x-(msdownload|sh|msdos-program|executable)|application\/vnd\.microsoft\.portable-executable)/i
const NEVER_ACCEPTED_EXT = /\.(html?|xhtml|svg|xml|js|mjs|exe|bat|cmd|sh|msi|com|scr|ps1|vbs)$/i

/** Random id without needing a secure context (randomUUID is missing on plain-http LAN hosts and old WebKit). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Exponential backoff with jitter (50–100 % of the step), at least what Retry-After asks for. */
export function backoffDelay(attempt: number, error: unknown): number {
  const step = Math.min(QUEUE_SETTINGS.maxDelayMs, QUEUE_SETTINGS.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  const jittered = step * (0.5 + Math.random() * 0.5)
  const retryAfter = error instanceof ApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0
  return Math.max(jittered, retryAfter)
}

/** Human-readable size for sizes and limits shown to the person. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`
  const mb = n / (1024 * 1024)
  return `${mb >= 100 || Number.isInteger(mb) ? Math.round(mb) : mb.toFixed(1)} MB`
}

/** Server answers about the bytes themselves: sending the same bytes again cannot help. */
const PERMANENT_CODES = new Set(['unsupported_type', 'file_too_large', 'payload_too_large', 'length_required'])

/**
 * An item's failure. `retryable` means a manual retry is offered: anything but a refusal of the
 * bytes themselves (a session that ended, a permission granted later, a network that came back).
 */
function toItemError(err: unknown): ItemError {
  const code = err instanceof ApiError ? err.code : 'unknown'
  return { code, retryable: isRetryable(err) || !PERMANENT_CODES.has(code) }
}

class Cancelled extends Error {}

/** Resolves after `ms`, or rejects with Cancelled when `signal` aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Cancelled())
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new Cancelled())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function emptyBatch(): Batch {
  return {
    document: null,
    position: { where: 'end' },
    layout: 'separate',
    submitted: false,
    insertion: null,
    receipt: null,
    tokensRenewed: false,
  }
}

export const useUploadsStore = defineStore('uploads', () => {
  const items = ref<QueueItem[]>([])
  const batch = ref<Batch>(emptyBatch())
  /** "原图": send photos without re-encoding; applies to photos picked from now on. */
  const original = ref(false)
  const limits = ref<Limits>({ ...DEFAULT_LIMITS })
  const owner = ref<string | null>(null)
  /** Dependencies of photo preparation; tests inject a fake canvas. */
  const prepareDeps: PrepareDeps = {}

  /** Prepared bytes by item id; shallow so thumbnails update when bytes arrive, without proxying Blobs. */
  const blobs = shallowReactive(new Map<string, Blob>())
  /** Abort controllers of running uploads/backoffs by item id. */
  const controllers = new Map<string, AbortController>()
  /** Per-item bytes sent (reactive for the total progress bar). */
  const sent = reactive(new Map<string, number>())
  let inFlight = 0
  let inserting = false
  let insertAgain = false
  let restored: Promise<void> | null = null
  /** The open() in progress; picks made meanwhile wait for it. */
  let opening: Promise<void> | null = null
  /**
   * Preparations run in pick order, at most QUEUE_SETTINGS.preparations at once. While nothing is
   * ready or on its way up, one runs alone: the first upload then starts as early as possible (two
   * sharing the CPU would both finish later); once the uplink has work, throughput matters more.
   */
  const preparing = createTaskPool(() => (uplinkHasWork() ? QUEUE_SETTINGS.preparations : 1))
  function uplinkHasWork(): boolean {
    return inFlight > 0 || items.value.some((i) => i.status === 'ready')
  }
  /** Picked files are saved one at a time (bounded memory where they must be copied to bytes). */
  let sourceChain: Promise<void> = Promise.resolve()
  const sourceSaves = new Map<string, Promise<void>>()

  const { online } = useOnline()
  let onlineWaiters: Array<() => void> = []
  /** Controllers of the upload requests on the wire (one per running attempt). */
  const requestControllers = new Set<AbortController>()
  watch(online, (isOnline) => {
    if (!isOnline) {
      // Pause: requests on a dead network would only hang until a timeout. They are aborted and
      // sent again when the network is back (without counting as failed attempts).
      for (const request of requestControllers) request.abort()
      return
    }
    const waiters = onlineWaiters
    onlineWaiters = []
    for (const wake of waiters) wake()
    pump()
  })
  function whenOnline(): Promise<void> {
    return online.value ? Promise.resolve() : new Promise((resolve) => onlineWaiters.push(resolve))
  }

  // ---- persistence ---------------------------------------------------------

  let persistChain: Promise<void> = Promise.resolve()
  /** Saves the current state; writes are serialised so an older snapshot never overwrites a newer one. */
  function persist(): Promise<void> {
    const snapshot: PersistedState = JSON.parse(
      JSON.stringify({
        version: 1,
        owner: owner.value,
        items: toRaw(items.value),
        batch: toRaw(batch.value),
        original: original.value,
      }),
    )
    persistChain = persistChain.then(() => saveQueueState(snapshot)).catch(() => undefined)
    return persistChain
  }

  /**
   * Loads a queue saved before a reload or a killed webview and carries on: uploaded items keep
   * their resourceToken, interrupted uploads start again, an insertion that was sent is re-sent
   * with the same Idempotency-Key (the server does not insert twice). Runs once per page.
   * @param expectedOwner the signed-in userId; a queue saved by someone else is deleted unseen.
   */
  function restore(expectedOwner?: string | null): Promise<void> {
    restored ??= (async () => {
      const saved = await loadQueueState<PersistedState>()
      if (!saved || saved.version !== 1) return
      if (expectedOwner && saved.owner && saved.owner !== expectedOwner) {
        await clearQueue().catch(() => undefined)
        return
      }
      owner.value = saved.owner
      original.value = saved.original
      batch.value = saved.batch
      const loaded: QueueItem[] = []
      const toPrepare: Array<{ id: string; file: File; original: boolean }> = []
      for (const item of saved.items) {
        const next = { ...item, progress: item.status === 'uploaded' || item.status === 'inserted' ? 1 : 0 }
        if (next.status === 'preparing' || next.status === 'ready' || next.status === 'uploading') {
          // A 'preparing' item's prepared bytes (if any) may not match its saved name and size yet.
          const blob = next.status === 'preparing' ? null : await loadBlob(item.id)
          const source = blob ? null : await loadSource(item.id)
          if (blob) {
            blobs.set(item.id, blob)
            next.status = 'ready'
            next.attempts = 0
          } else if (source) {
            // Picked but not prepared when the page died: prepare it again from the saved pick.
            next.status = 'preparing'
            const file = source instanceof File ? source : new File([source], item.pickedName, { type: source.type || item.mediaType })
            toPrepare.push({ id: item.id, file, original: item.original })
          } else {
            // Its bytes were never saved (storage full or unavailable): it cannot be recovered.
            next.status = 'failed'
            next.error = { code: 'interrupted', retryable: false }
          }
        } else if (next.status === 'inserting') {
          next.status = 'uploaded'
        }
        if (next.status === 'uploaded' || next.status === 'inserted' || next.status === 'failed') {
          const blob = await loadBlob(item.id)
          if (blob) blobs.set(item.id, blob)
        }
        loaded.push(next)
      }
      items.value = loaded
      for (const { id, file, original: asOriginal } of toPrepare) enqueuePrepare(id, file, asOriginal)
      await persist()
      pump()
      maybeInsert()
    })()
    return restored
  }

  // ---- derived state -------------------------------------------------------

  const busy = computed(() => items.value.some((i) => i.status === 'preparing' || i.status === 'ready' || i.status === 'uploading'))
  // Send is allowed while items are still being prepared or uploaded: the insertion waits for them.
  const canSend = computed(() => !batch.value.submitted && batch.value.document !== null && items.value.some((i) => i.status !== 'failed'))
  const totalProgress = computed(() => {
    const counted = items.value.filter((i) => i.status !== 'failed' && i.size > 0)
    const total = counted.reduce((n, i) => n + i.size, 0)
    if (total === 0) return 0
    const done = counted.reduce((n, i) => n + (i.progress >= 1 ? i.size : (sent.get(i.id) ?? 0)), 0)
    return Math.min(1, done / total)
  })
  const done = computed(() => batch.value.receipt !== null)

  function find(id: string): QueueItem | undefined {
    return items.value.find((i) => i.id === id)
  }

  // ---- the target document and limits ---------------------------------------

  /**
   * Points the queue at `doc` (the page's chosen document) after restoring any saved queue of the
   * same person (`userId`, the signed-in user).
   * A saved, unfinished queue for another document keeps its own target until it is finished or
   * discarded (its resource tokens are bound to that document).
   */
  async function open(doc: TargetDocument, userId?: string | null): Promise<void> {
    const run = openNow(doc, userId ?? null)
    opening = run
    try {
      await run
    } finally {
      if (opening === run) opening = null
    }
  }

  async function openNow(doc: TargetDocument, userId: string | null): Promise<void> {
    await restore(userId)
    if (userId && owner.value && owner.value !== userId) {
      // Another person signed in on this page: the previous person's queue is not theirs to see.
      await acknowledge()
      batch.value.document = null
    }
    if (userId) owner.value = userId
    const current = batch.value.document
    const finishedCleanly = batch.value.receipt !== null && items.value.every((i) => i.status === 'inserted')
    if (current && current.docId !== doc.docId && finishedCleanly) {
      // A receipt for another document with nothing left to retry: the person has moved on.
      await acknowledge()
    }
    if (!batch.value.document || (items.value.length === 0 && !batch.value.submitted)) {
      batch.value.document = { ...doc }
      await persist()
    }
    // Photos are picked next: have the photo workers loaded and the decoder probed by then.
    ;(prepareDeps.encoder ?? photoEncoder()).warmUp?.()
    getConfig()
      .then((cfg) => (limits.value = cfg.limits))
      .catch(() => undefined)
  }

  /** True when the queue still works on a document other than `docId`. */
  function targetsOther(docId: string): boolean {
    return batch.value.document !== null && batch.value.document.docId !== docId && items.value.length > 0
  }

  // ---- picking and preparation -------------------------------------------------

  function limitFor(item: Pick<QueueItem, 'mediaType'>): number {
    return item.mediaType.startsWith('image/') ? limits.value.maxImageBytes : limits.value.maxFileBytes
  }

  function rejectReason(prepared: PreparedFile): ItemError | null {
    if (NEVER_ACCEPTED.test(prepared.mediaType) || NEVER_ACCEPTED_EXT.test(prepared.name)) {
      return { code: 'type_not_accepted', retryable: false }
    }
    const max = limitFor(prepared)
    if (prepared.blob.size > max) return { code: 'too_large', params: { max: formatBytes(max) }, retryable: false }
    return null
  }

  /**
   * Adds picked files to the end of the queue. Files beyond the batch limit appear as failed
   * items saying so; the rest are prepared in pick order, at most QUEUE_SETTINGS.preparations at
   * once (memory on phones), and start uploading as soon as each is ready. An item keeps its place
   * in the queue whichever preparation finishes first.
   */
  function addFiles(files: File[]): void {
    if (opening) {
      // Picked while the saved queue is still being read: add them once it is, in the same order.
      void opening.then(() => addFiles(files))
      return
    }
    if (!batch.value.document || batch.value.submitted) return
    const room = limits.value.maxFilesPerBatch - items.value.filter((i) => i.status !== 'failed').length
    files.forEach((file, index) => {
      const item: QueueItem = {
        id: newId(),
        pickedName: file.name,
        name: file.name || 'file',
        kind: file.type.startsWith('image/') ? 'image' : 'file',
        mediaType: file.type,
        size: 0,
        originalSize: file.size,
        caption: '',
        original: original.value,
        status: 'preparing',
        progress: 0,
        error: null,
        notice: null,
        resource: null,
        attempts: 0,
        blockId: null,
      }
      if (index >= room) {
        item.status = 'failed'
        item.error = { code: 'too_many', params: { max: limits.value.maxFilesPerBatch }, retryable: false }
        items.value.push(item)
        return
      }
      items.value.push(item)
      const saved = sourceChain.then(() => saveSource(item.id, file).catch(() => undefined))
      sourceChain = saved
      sourceSaves.set(item.id, saved)
      enqueuePrepare(item.id, file, item.original)
    })
    void persist()
  }

  /** Queues one file for preparation; it starts after those picked before it have started. */
  function enqueuePrepare(id: string, file: File, asOriginal: boolean): void {
    const options: PrepareOptions = {
      ...DEFAULT_PREPARE_OPTIONS,
      maxEdge: limits.value.photoMaxEdge ?? DEFAULT_PREPARE_OPTIONS.maxEdge,
      original: asOriginal,
    }
    void preparing.run(() =>
      prepareOne(id, file, options).catch(() => {
        // Never let one item hold a slot (and the photos picked after it) or fail silently.
        const stuck = find(id)
        if (stuck) Object.assign(stuck, { status: 'failed', error: { code: 'prepare_failed', retryable: false } })
      }),
    )
  }

  /** Drops the saved pick once it is no longer needed (prepared, refused or removed). */
  async function forgetSource(id: string): Promise<void> {
    await sourceSaves.get(id)
    sourceSaves.delete(id)
    await deleteSource(id).catch(() => undefined)
  }

  async function prepareOne(id: string, file: File, options: PrepareOptions): Promise<void> {
    if (!find(id)) return
    let prepared: PreparedFile
    try {
      prepared = await prepareFile(file, options, prepareDeps)
    } catch {
      const item = find(id)
      if (item) Object.assign(item, { status: 'failed', error: { code: 'prepare_failed', retryable: false } })
      void persist()
      void forgetSource(id)
      return
    }
    const item = find(id)
    if (!item) return
    Object.assign(item, {
      name: prepared.name,
      kind: prepared.kind,
      mediaType: prepared.mediaType,
      size: prepared.blob.size,
      originalSize: prepared.originalSize,
      notice: prepared.notice,
    })
    const rejected = rejectReason(prepared)
    if (rejected) {
      Object.assign(item, { status: 'failed', error: rejected })
      void persist()
      void forgetSource(id)
      return
    }
    blobs.set(id, prepared.blob)
    // Bytes first, then the state that says they exist: a reload in between finds no "ready" item without bytes.
    await saveBlob(id, prepared.blob).catch(() => undefined)
    if (!find(id)) return
    item.status = 'ready'
    await persist()
    pump()
    void forgetSource(id)
  }

  // ---- uploading -----------------------------------------------------------------

  /** Starts uploads for ready items, in queue order, up to the concurrency bound, while online. */
  function pump(): void {
    if (!online.value) return
    for (const item of items.value) {
      if (inFlight >= QUEUE_SETTINGS.concurrency) return
      if (item.status === 'ready' && !controllers.has(item.id)) void upload(item.id)
    }
  }

  async function upload(id: string): Promise<void> {
    const docId = batch.value.document?.docId
    const blob = blobs.get(id)
    const item = find(id)
    if (!docId || !blob || !item) return
    const controller = new AbortController()
    controllers.set(id, controller)
    inFlight++
    item.status = 'uploading'
    item.error = null
    try {
      for (;;) {
        await whenOnline()
        const current = find(id)
        if (!current || controller.signal.aborted) throw new Cancelled()
        current.attempts++
        sent.set(id, 0)
        const request = new AbortController()
        const abortRequest = () => request.abort()
        controller.signal.addEventListener('abort', abortRequest)
        requestControllers.add(request)
        try {
          const resource = await uploadResource(docId, blob, current.name, current.mediaType, {
            signal: request.signal,
            onProgress: (loaded, total) => {
              sent.set(id, loaded)
              const it = find(id)
              if (it) it.progress = total > 0 ? Math.min(0.99, loaded / total) : 0
            },
          })
          Object.assign(current, { resource, status: 'uploaded', progress: 1, error: null })
          break
        } catch (err) {
          if (controller.signal.aborted) throw new Cancelled()
          // Offline failures (and requests we aborted on going offline) are the network's, not the
          // item's: wait for the network, and do not count the attempt.
          if (!online.value || request.signal.aborted) {
            current.attempts--
            continue
          }
          if (!isRetryable(err) || current.attempts >= QUEUE_SETTINGS.maxAttempts) {
            Object.assign(current, { status: 'failed', error: toItemError(err), progress: 0 })
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
      inFlight--
    }
    if (!find(id)) return
    await persist()
    pump()
    maybeInsert()
  }

  // ---- editing the queue ---------------------------------------------------------

  /** Caption shown under an image (or after a file) in the document; trimmed to the API's maximum. */
  function setCaption(id: string, caption: string): void {
    const item = find(id)
    if (!item || batch.value.insertion) return
    item.caption = caption.slice(0, MAX_CAPTION_LENGTH)
    void persist()
  }

  /** Moves an item up (-1) or down (+1); the document receives items in this order. */
  function move(id: string, delta: -1 | 1): void {
    if (batch.value.insertion) return
    const from = items.value.findIndex((i) => i.id === id)
    const to = from + delta
    if (from < 0 || to < 0 || to >= items.value.length) return
    const list = items.value.slice()
    const [moved] = list.splice(from, 1)
    if (!moved) return
    list.splice(to, 0, moved)
    items.value = list
    void persist()
  }

  /** Removes an item, cancelling its upload (the request is aborted). */
  function remove(id: string): void {
    const item = find(id)
    if (!item || item.status === 'inserting' || item.status === 'inserted') return
    controllers.get(id)?.abort()
    items.value = items.value.filter((i) => i.id !== id)
    blobs.delete(id)
    void deleteBlob(id).catch(() => undefined)
    void forgetSource(id)
    void persist()
    maybeInsert()
  }

  /** Tries a failed upload again from its first attempt. */
  function retry(id: string): void {
    const item = find(id)
    if (!item || item.status !== 'failed' || !blobs.has(id) || item.resource) return
    Object.assign(item, { status: 'ready', error: null, attempts: 0, progress: 0 })
    void persist()
    pump()
  }

  function setOriginal(value: boolean): void {
    original.value = value
    void persist()
  }

  function setPosition(position: Position): void {
    if (batch.value.insertion) return
    batch.value.position = position
    void persist()
  }

  function setLayout(layout: Layout): void {
    if (batch.value.insertion) return
    batch.value.layout = layout
    void persist()
  }

  // ---- inserting ---------------------------------------------------------------------

  /** The send button: insert every item once all are uploaded (waits for uploads still running). */
  function submit(): void {
    if (!canSend.value) return
    batch.value.submitted = true
    void persist()
    maybeInsert()
  }

  /** Starts the insertion when the batch is submitted and no item is still on its way up. */
  function maybeInsert(): void {
    if (inserting) {
      // Asked again while a run is finishing (e.g. retry right after the receipt appeared).
      insertAgain = true
      return
    }
    if (!batch.value.submitted || batch.value.receipt || busy.value) return
    void runInsertion()
  }

  function buildInsertion(): PendingInsertion | null {
    const ready = items.value.filter((i) => i.status === 'uploaded' && i.resource)
    if (ready.length === 0) return null
    // After a partial batch, new items go right after what is already in, to keep the order.
    const lastInserted = [...items.value].reverse().find((i) => i.status === 'inserted' && i.blockId)
    const position: Position = lastInserted?.blockId ? { where: 'after', blockId: lastInserted.blockId } : batch.value.position
    const body: InsertionRequest = {
      items: ready.map((i) => {
        const caption = i.caption.trim()
        return caption ? { resourceToken: i.resource?.resourceToken ?? '', caption } : { resourceToken: i.resource?.resourceToken ?? '' }
      }),
      position,
      layout: batch.value.layout,
    }
    return { idempotencyKey: newId(), body, itemIds: ready.map((i) => i.id), sentOnce: false }
  }

  function applyBlocks(insertion: PendingInsertion, blocks: Array<{ blockId: string; resourceId: string }>): void {
    const byResource = new Map(blocks.map((b) => [b.resourceId, b.blockId]))
    for (const id of insertion.itemIds) {
      const item = find(id)
      const blockId = item?.resource ? byResource.get(item.resource.resourceId) : undefined
      if (item && blockId) Object.assign(item, { status: 'inserted', blockId, error: null })
    }
  }

  function finish(documentUrl: string): void {
    batch.value.insertion = null
    batch.value.receipt = { documentUrl }
  }

  async function runInsertion(): Promise<void> {
    const doc = batch.value.document
    if (!doc) return
    inserting = true
    try {
      let insertion = batch.value.insertion
      if (!insertion) {
        insertion = buildInsertion()
        if (!insertion) {
          finish(doc.url)
          return
        }
        // The key and body are saved BEFORE the request leaves: if the page dies mid-request, the
        // retry after reload reuses them and the server does not insert twice.
        batch.value.insertion = insertion
        await persist()
      }
      for (const id of insertion.itemIds) {
        const item = find(id)
        if (item && item.status !== 'inserted') Object.assign(item, { status: 'inserting', error: null })
      }
      let response: InsertionResponse | null = null
      let failure: unknown = null
      for (let attempt = 1; ; attempt++) {
        await whenOnline()
        // Saved before the request leaves, so a resend after a reload also says it is one.
        const retry = insertion.sentOnce !== false
        if (!retry) {
          insertion.sentOnce = true
          await persist()
        }
        try {
          response = await insertResources(doc.docId, insertion.body, insertion.idempotencyKey, { retry })
          break
        } catch (err) {
          const details = incompleteDetails(err)
          if (details) applyBlocks(insertion, details.blocks)
          if (!online.value) continue
          if (!isRetryable(err) && !(err instanceof ApiError && err.status >= 500)) {
            failure = err
            break
          }
          if (attempt >= QUEUE_SETTINGS.maxAttempts) {
            failure = err
            break
          }
          await sleep(backoffDelay(attempt, err))
        }
      }
      if (response) {
        applyBlocks(insertion, response.blocks)
        for (const id of insertion.itemIds) {
          const item = find(id)
          // The server lists one block per item; one missing means it did not go in.
          if (item?.status === 'inserting') Object.assign(item, { status: 'failed', error: { code: 'not_inserted', retryable: false } })
        }
        finish(response.documentUrl)
      } else if (failure instanceof ApiError && failure.code === 'resource_invalid' && !batch.value.tokensRenewed) {
        // Resource tokens expire (the queue may resume a day later): upload those items again and
        // insert them with a new key. Only once, so a real mismatch still ends in the receipt.
        batch.value.tokensRenewed = true
        batch.value.insertion = null
        for (const id of insertion.itemIds) {
          const item = find(id)
          if (!item || item.status === 'inserted') continue
          if (blobs.has(id)) Object.assign(item, { status: 'ready', resource: null, attempts: 0, progress: 0, error: null })
          else Object.assign(item, { status: 'failed', error: { code: 'interrupted', retryable: false } })
        }
        insertAgain = true
      } else {
        const error = toItemError(failure)
        for (const id of insertion.itemIds) {
          const item = find(id)
          if (item && item.status !== 'inserted') Object.assign(item, { status: 'failed', error: { ...error, retryable: true } })
        }
        // Keep `insertion` so "retry" sends the same key and body; the server finishes the rest.
        batch.value.receipt = { documentUrl: doc.url }
      }
      await persist()
      pump()
    } finally {
      inserting = false
      if (insertAgain) {
        insertAgain = false
        maybeInsert()
      }
    }
  }

  /**
   * Retry from the receipt. A failed insertion is sent again with the same key and body (the server
   * skips what is already in). Items whose upload failed are uploaded again and inserted with a
   * new key, right after the items already in the document.
   */
  function retryFailed(): void {
    if (!batch.value.receipt) return
    batch.value.receipt = null
    if (!batch.value.insertion) {
      for (const item of items.value) {
        if (item.status === 'failed' && !item.resource && blobs.has(item.id)) {
          Object.assign(item, { status: 'ready', error: null, attempts: 0, progress: 0 })
        }
      }
    }
    void persist()
    pump()
    maybeInsert()
  }

  /** "Attach more": the receipt is acknowledged; forget the batch (memory and IndexedDB). */
  async function acknowledge(): Promise<void> {
    for (const controller of controllers.values()) controller.abort()
    const doc = batch.value.document
    items.value = []
    blobs.clear()
    batch.value = { ...emptyBatch(), document: doc }
    await persistChain
    await clearQueue().catch(() => undefined)
    await persist()
  }

  /** Drops an unfinished queue (e.g. one left for another document). */
  async function discard(doc: TargetDocument): Promise<void> {
    await acknowledge()
    batch.value.document = { ...doc }
    await persist()
  }

  // ---- the app in the background and back ---------------------------------------------

  /**
   * The app is going to the background (DingTalk `pause`), where the webview may be killed: waits
   * until every picked file and the queue's state are in IndexedDB.
   */
  async function flush(): Promise<void> {
    if (!restored) return // the saved queue was never loaded on this page: it is still the truth
    await restored
    await sourceChain
    await persist()
  }

  /**
   * The app is back in the foreground (DingTalk `resume`). Uploads that were on the wire while it
   * was away are sent again (a suspended webview's connections are often dead without an error, and
   * an aborted request is resent without counting as a failed attempt); then the queue carries on
   * and, once everything is up, the insertion goes out.
   */
  function resume(): void {
    if (!restored) return
    for (const request of requestControllers) request.abort()
    pump()
    maybeInsert()
  }

  /** The prepared bytes of an item (for thumbnails), when present. */
  function blobOf(id: string): Blob | undefined {
    return blobs.get(id)
  }

  return {
    items,
    batch,
    original,
    limits,
    online,
    canSend,
    busy,
    done,
    totalProgress,
    prepareDeps,
    restore,
    open,
    targetsOther,
    addFiles,
    setCaption,
    move,
    remove,
    retry,
    setOriginal,
    setPosition,
    setLayout,
    submit,
    retryFailed,
    acknowledge,
    discard,
    blobOf,
    flush,
    resume,
    /** Resolves when the files added so far are prepared (tests and the UI's "preparing" spinner). */
    prepared: () => preparing.settled(),
  }
})
