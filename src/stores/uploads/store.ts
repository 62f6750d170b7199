/**
 * The upload queue (docs/upload-pipeline.md): picked items are prepared in pick order, uploaded as
 * soon as each is ready, and, once the person has pressed send and every item is up, inserted with
 * ONE insertion call in the order shown. Everything needed to finish survives a reload.
 *
 * This store holds the state and the person's actions; each stage lives in its own module (the
 * table in docs/upload-pipeline.md#the-queue-useuploadsstore-id-uploads): queue-item.ts (an item
 * and its status machine), restrictions.ts, preparation.ts, evidence*.ts, composing.ts, uploader.ts,
 * decisions.ts, captions.ts, inserter.ts, online-gate.ts, settings.ts and persistence/ (the saved,
 * versioned format, IndexedDB, and the URLs of resumable uploads).
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, toRaw, watch } from 'vue'
import type { Layout, Limits, Position } from '@contract/api'
import { MAX_CAPTION_LENGTH } from '@contract/api'
import { getConfig } from '@/api/config'
import type { PrepareDeps } from '@/media/prepare-file'
import { photoEncoder } from '@/media/photo-encoder'
import { useOnline } from '@/composables/useOnline'
import { emptyBatch, isOnItsWay, newQueueItem, setStatus, type Batch, type QueueItem, type TargetDocument } from './queue-item'
import { DEFAULT_LIMITS, roomInBatch, tooManyError } from './restrictions'
import { createPreparation } from './preparation'
import { createUploader } from './uploader'
import { createInserter } from './inserter'
import { createOnlineGate } from './online-gate'
import { createQueueStorage } from './persistence/queue-storage'
import { CURRENT_VERSION, type SavedQueue } from './persistence/saved-queue'
import { resumeItems } from './persistence/resume'
import { createDecisions } from './decisions'
import { createCaptions } from './captions'
import { createEvidence } from './evidence'
import { createComposing } from './composing'
import type { Mark } from '@/media/marks'
import { composable } from '@/media/compose-photo'

/** A saved queue this build could not read: kept untouched in IndexedDB, and shown as such. */
export interface KeptQueue {
  reason: 'newer_version' | 'unreadable'
  version: unknown
}

export const useUploadsStore = defineStore('uploads', () => {
  const items = ref<QueueItem[]>([])
  const batch = ref<Batch>(emptyBatch())
  /** "原图": send photos without re-encoding; applies to photos picked from now on. */
  const original = ref(false)
  const limits = ref<Limits>({ ...DEFAULT_LIMITS })
  const owner = ref<string | null>(null)
  const keptQueue = ref<KeptQueue | null>(null)
  const captions = createCaptions()
  /** Dependencies of photo preparation; tests inject a fake canvas. */
  const prepareDeps: PrepareDeps = {}
  /** Prepared bytes by item id; shallow so thumbnails update when bytes arrive, without proxying Blobs. */
  const blobs = shallowReactive(new Map<string, Blob>())
  let restored: Promise<void> | null = null
  /** The open() in progress; picks made meanwhile wait for it. */
  let opening: Promise<void> | null = null

  const find = (id: string): QueueItem | undefined => items.value.find((i) => i.id === id)
  const busy = computed(() => items.value.some(isOnItsWay))

  const storage = createQueueStorage()
  /** Saves the current state; writes are serialised so an older snapshot never overwrites a newer one. */
  function persist(): Promise<void> {
    const snapshot: SavedQueue = JSON.parse(
      JSON.stringify({
        version: CURRENT_VERSION,
        owner: owner.value,
        items: toRaw(items.value),
        batch: toRaw(batch.value),
        original: original.value,
      }),
    )
    return storage.save(snapshot)
  }

  const { online } = useOnline()
  const gate = createOnlineGate(online)
  const uploader = createUploader({
    items,
    find,
    batch,
    blobs,
    online,
    whenOnline: gate.whenOnline,
    persist,
    onSettled: () => {
      uploader.pump()
      inserter.maybeInsert()
    },
    restamp: (id) => evidence.restamp(id),
    held: (id) => composing.isHeld(id),
  })
  const composing = createComposing({
    find,
    blobs,
    storage,
    prepareDeps,
    persist,
    cancelUpload: (id) => uploader.cancel(id),
    onReleased: () => {
      uploader.pump()
      inserter.maybeInsert()
    },
  })
  const decisions = createDecisions({ items, find, persist, onDecided: () => inserter.maybeInsert() })
  const inserter = createInserter({
    items,
    find,
    batch,
    blobs,
    busy,
    online,
    whenOnline: gate.whenOnline,
    persist,
    pump: uploader.pump,
    held: computed(() => decisions.pending.value || composing.anyHeld.value),
    captionOf: captions.captionOf,
  })
  const evidence = createEvidence({
    find,
    document: () => batch.value.document,
    online,
    persist,
    recompose: (id) => composing.recompose(id),
  })
  const preparation = createPreparation({
    find,
    limits,
    prepareDeps,
    blobs,
    storage,
    persist,
    uplinkHasWork: uploader.hasWork,
    onReady: uploader.pump,
    evidence: evidence.stage,
    compose: composing.composed,
  })
  // An inserted photo's layers can no longer change: its unmarked copy is not needed any more.
  watch(
    () => items.value.filter((i) => i.status === 'inserted' && (i.marks || i.evidence)).map((i) => i.id),
    (ids) => ids.forEach(composing.forget),
  )
  watch(online, (isOnline) => {
    if (!isOnline) {
      // Pause: requests on a dead network would only hang until a timeout. They are aborted and
      // sent again when the network is back (without counting as failed attempts).
      uploader.abortRequests()
      return
    }
    gate.open()
    uploader.pump()
  })

  // ---- derived state -------------------------------------------------------

  // Send is allowed while items are still being prepared or uploaded: the insertion waits for them.
  const canSend = computed(() => !batch.value.submitted && batch.value.document !== null && items.value.some((i) => i.status !== 'failed'))
  const totalProgress = computed(() => {
    const counted = items.value.filter((i) => i.status !== 'failed' && i.size > 0)
    const total = counted.reduce((n, i) => n + i.size, 0)
    if (total === 0) return 0
    const done = counted.reduce((n, i) => n + (i.progress >= 1 ? i.size : (uploader.bytesSent(i.id) ?? 0)), 0)
    return Math.min(1, done / total)
  })
  const done = computed(() => batch.value.receipt !== null)

  // ---- restoring and opening -----------------------------------------------

  /**
   * Loads a queue saved before a reload or a killed webview (any saved version this build knows,
   * migrated) and carries on: uploaded items keep their resourceToken, interrupted uploads start
   * again, an insertion that was sent is re-sent with the same Idempotency-Key (the server does not
   * insert twice). Runs once per page.
   * @param expectedOwner the signed-in userId; a queue saved by someone else is deleted unseen.
   */
  function restore(expectedOwner?: string | null): Promise<void> {
    restored ??= (async () => {
      const reading = await storage.load()
      if (reading.kind === 'kept') {
        keptQueue.value = { reason: reading.reason, version: reading.version }
        console.warn(
          `upload queue: a saved queue this version cannot read (${reading.reason}, version ${String(reading.version)}) is kept untouched`,
        )
        return
      }
      if (reading.kind === 'empty') return
      const saved = reading.queue
      if (expectedOwner && saved.owner && saved.owner !== expectedOwner) {
        await storage.clear()
        return
      }
      owner.value = saved.owner
      original.value = saved.original
      batch.value = saved.batch
      const resumed = await resumeItems(saved.items, storage)
      for (const [id, blob] of resumed.blobs) blobs.set(id, blob)
      items.value = resumed.items
      for (const { id, file, original: asOriginal } of resumed.toPrepare) preparation.enqueue(id, file, asOriginal)
      await persist()
      uploader.pump()
      inserter.maybeInsert()
    })()
    return restored
  }

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
    void evidence.pool.setOwner(userId)
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
      .then((cfg) => {
        limits.value = cfg.limits
        evidence.applyConfig(cfg)
      })
      .catch(() => undefined)
  }

  /** True when the queue still works on a document other than `docId`. */
  function targetsOther(docId: string): boolean {
    return batch.value.document !== null && batch.value.document.docId !== docId && items.value.length > 0
  }

  // ---- picking and editing -------------------------------------------------

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
    const room = roomInBatch(items.value, limits.value)
    files.forEach((file, index) => {
      // The stamp re-draws the photo, so it overrides "original" (docs/evidence.md#the-h5-side).
      const stamp = evidence.forPick()
      const item = { ...newQueueItem(file, original.value && !stamp), evidence: stamp }
      if (index >= room) {
        items.value.push({ ...item, status: 'failed', error: tooManyError(limits.value) })
        return
      }
      items.value.push(item)
      preparation.keepSource(item.id, file)
      preparation.enqueue(item.id, file, item.original)
    })
    void persist()
  }

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
    uploader.cancel(id)
    items.value = items.value.filter((i) => i.id !== id)
    blobs.delete(id)
    void storage.deleteBlob(id).catch(() => undefined)
    void preparation.forgetSource(id)
    composing.forget(id)
    void persist()
    inserter.maybeInsert()
  }

  /** Tries a failed upload again from its first attempt. */
  function retry(id: string): void {
    const item = find(id)
    if (!item || item.status !== 'failed' || !blobs.has(id) || item.resource) return
    setStatus(item, 'ready', { error: null, attempts: 0, progress: 0 })
    void persist()
    uploader.pump()
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

  // ---- sending and finishing -----------------------------------------------

  /** The send button: insert every item once all are uploaded (waits for uploads still running). */
  function submit(): void {
    if (!canSend.value) return
    batch.value.submitted = true
    void persist()
    inserter.maybeInsert()
  }

  /** "Attach more": the receipt is acknowledged; forget the batch (memory and IndexedDB). */
  async function acknowledge(): Promise<void> {
    uploader.cancelAll()
    const doc = batch.value.document
    items.value = []
    blobs.clear()
    batch.value = { ...emptyBatch(), document: doc }
    await storage.flushed()
    await storage.clear()
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
    await preparation.sourcesSaved()
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
    uploader.abortRequests()
    uploader.pump()
    inserter.maybeInsert()
  }

  // ---- marking up (issue 17) ------------------------------------------------

  /** Whether the person may mark up this item now (a prepared photo, not yet on its way in). */
  function canMarkUp(id: string): boolean {
    const item = find(id)
    if (!item || item.kind !== 'image' || !composable(item.mediaType) || batch.value.insertion || !blobs.has(id)) return false
    return item.status !== 'preparing' && item.status !== 'inserting' && item.status !== 'inserted'
  }

  /** The editor opened: the item's upload (and the insertion) waits until closeMarkup. */
  function openMarkup(id: string): void {
    if (canMarkUp(id)) composing.hold(id)
  }

  /** The editor closed; with `marks` ("done"), they are composed in and sent when the bytes changed. */
  async function closeMarkup(id: string, marks?: Mark[]): Promise<void> {
    try {
      if (marks && canMarkUp(id)) await composing.setMarks(id, marks)
    } catch (err) {
      // The photo decoded when it was prepared, so this is rare; the item keeps its earlier marks and bytes.
      console.warn('markup: the marks could not be drawn into the photo', err)
    } finally {
      composing.release(id)
    }
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
    keptQueue,
    prepareDeps,
    /** Photos get the "Taken 2026-12-01 14:03" caption line (remembered on this device, off by default). */
    takenAtCaption: captions.takenAtOn,
    setTakenAtCaption: captions.setTakenAtOn,
    /** The page's translation of that line, e.g. `(time) => t('upload.takenAt.line', { time })`. */
    setTakenAtLine: captions.setLine,
    /** Evidence stamping for the photos picked next (evidence.ts `exposed`: state and actions). */
    ...evidence.exposed,
    /** Items repeating an earlier item's content in this batch → that item's id. */
    sameContentAs: decisions.sameAs,
    keepBoth: decisions.keepBoth,
    attachAgain: decisions.attachAgain,
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
    retryFailed: inserter.retryFailed,
    acknowledge,
    discard,
    blobOf,
    canMarkUp,
    openMarkup,
    closeMarkup,
    /** The prepared, unmarked photo the editor draws on. */
    unmarkedOf: composing.preparedOf,
    flush,
    resume,
    /** Resolves when the files added so far are prepared (tests and the UI's "preparing" spinner). */
    prepared: () => preparation.settled(),
  }
})
