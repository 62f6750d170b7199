/**
 * The upload queue (docs/upload-pipeline.md): picked items are prepared in pick order, uploaded as
 * soon as each is ready, and, once the person has pressed send and every item is up, inserted with
 * ONE insertion call in the order shown. Everything needed to finish survives a reload.
 *
 * Several batches wait at once (batches.ts): the composer works on the last one; earlier ones
 * were submitted and go in, in the order submitted, each into its own document.
 *
 * This store holds the state and the person's actions; each stage lives in its own module (the
 * table in docs/upload-pipeline.md#the-queue-useuploadsstore-id-uploads): queue-item.ts (an item
 * and its status machine), restrictions.ts, preparation.ts, evidence*.ts, composing.ts, uploader.ts,
 * decisions.ts, captions.ts, inserter.ts, batches.ts, editing.ts, storage-room.ts,
 * markup-actions.ts, online-gate.ts, settings.ts and persistence/ (the saved, versioned format,
 * IndexedDB, and the URLs of resumable uploads).
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, watch } from 'vue'
import type { Limits } from '@contract/api'
import { getConfig } from '@/api/config'
import type { PrepareDeps } from '@/media/prepare-file'
import { photoEncoder } from '@/media/photo-encoder'
import { useOnline } from '@/composables/useOnline'
import { newQueueItem, setStatus, type Batch, type QueueItem, type TargetDocument } from './queue-item'
import { DEFAULT_LIMITS, roomInBatch, tooManyError } from './restrictions'
import { createPreparation } from './preparation'
import { createOnlineGate } from './online-gate'
import { createQueueStorage } from './persistence/queue-storage'
import { CURRENT_VERSION, type SavedQueue } from './persistence/saved-queue'
import { createCaptions } from './captions'
import { createEvidence } from './evidence'
import { createRoomCheck } from './storage-room'
import { createEditing } from './editing'
import { createBatchList, finishedCleanly } from './batches'
import { createComposing } from './composing'
import { createMarkupActions } from './markup-actions'

/** A saved queue this build could not read: kept untouched in IndexedDB, and shown as such. */
export interface KeptQueue {
  reason: 'newer_version' | 'unreadable'
  version: unknown
}

export const useUploadsStore = defineStore('uploads', () => {
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
  /** Adds waiting for the storage check, in pick order. */
  let adding: Promise<unknown> = Promise.resolve()
  const room = createRoomCheck()

  const { online } = useOnline()
  const gate = createOnlineGate(online)
  const storage = createQueueStorage()
  const list = createBatchList({
    blobs,
    online,
    whenOnline: gate.whenOnline,
    persist,
    captionOf: captions.captionOf,
    forgetSaved: async (ids) => {
      await storage.flushed()
      await storage.forget(ids)
    },
    restamp: (id) => evidence.restamp(id),
    uploadHeld: (id) => composing.isHeld(id),
    insertHeld: () => composing.anyHeld.value,
  })
  const { current, find, kick } = list
  const composing = createComposing({
    find,
    blobs,
    storage,
    prepareDeps,
    persist,
    cancelUpload: list.cancelUpload,
    onReleased: kick,
  })
  const items = computed<QueueItem[]>({
    get: () => current.value.items.value,
    set: (value) => (current.value.items.value = value),
  })
  const evidence = createEvidence({
    find,
    documentOf: list.documentOf,
    online,
    persist,
    recompose: (id) => composing.recompose(id),
  })
  const batch = computed<Batch>({
    get: () => current.value.batch.value,
    set: (value) => (current.value.batch.value = value),
  })
  const busy = computed(() => current.value.busy.value)
  const markup = createMarkupActions({ find, batch, blobs, composing })
  const editing = createEditing({ items, batch, persist: () => persist() })

  /** Saves the current state; writes are serialised so an older snapshot never overwrites a newer one. */
  function persist(): Promise<void> {
    const snapshot: SavedQueue = JSON.parse(
      JSON.stringify({ version: CURRENT_VERSION, owner: owner.value, original: original.value, batches: list.saved() }),
    )
    return storage.save(snapshot)
  }

  const preparation = createPreparation({
    find,
    limits,
    prepareDeps,
    blobs,
    storage,
    persist,
    uplinkHasWork: list.uplinkHasWork,
    onReady: kick,
    evidence: evidence.stage,
    compose: composing.composed,
  })
  // An inserted photo's layers can no longer change: its unmarked copy is not needed any more.
  watch(
    () => list.lanes.value.flatMap((l) => l.items.value.filter((i) => i.status === 'inserted' && (i.marks || i.evidence)).map((i) => i.id)),
    (ids) => ids.forEach(composing.forget),
  )
  watch(online, (isOnline) => {
    if (!isOnline) {
      // Pause: requests on a dead network would only hang until a timeout. They are aborted and
      // sent again when the network is back (without counting as failed attempts).
      list.abortRequests()
      return
    }
    gate.open()
    kick()
  })

  // ---- derived state -------------------------------------------------------

  // Send is allowed while items are still being prepared or uploaded: the insertion waits for them.
  const canSend = computed(() => !batch.value.submitted && batch.value.document !== null && items.value.some((i) => i.status !== 'failed'))
  const done = computed(() => batch.value.receipt !== null)

  // ---- restoring and opening -----------------------------------------------

  /**
   * Loads the queue `expectedOwner` saved before a reload or a killed webview (any saved version
   * this build knows, migrated) and carries on: uploaded items keep their resourceToken,
   * interrupted uploads start again, an insertion that was sent is re-sent with the same
   * Idempotency-Key (the server does not insert twice). Runs once per page and person; another
   * person's queue is never read.
   */
  function restore(expectedOwner?: string | null): Promise<void> {
    restored ??= (async () => {
      const reading = await storage.load(expectedOwner ?? null)
      if (reading.kind === 'kept') {
        keptQueue.value = { reason: reading.reason, version: reading.version }
        console.warn(
          `upload queue: a saved queue this version cannot read (${reading.reason}, version ${String(reading.version)}) is kept untouched`,
        )
        return
      }
      if (reading.kind === 'empty') return
      const saved = reading.queue
      if (expectedOwner && saved.owner && saved.owner !== expectedOwner) return
      owner.value = saved.owner
      original.value = saved.original
      const toPrepare = await list.restore(saved.batches, storage)
      for (const { id, file, original: asOriginal } of toPrepare) preparation.enqueue(id, file, asOriginal)
      await list.prune()
      await persist()
      kick()
    })()
    return restored
  }

  /**
   * Points the queue at `doc` (the page's chosen document) after restoring any saved queue of the
   * same person (`userId`, the signed-in user). A submitted batch keeps waiting and a new batch
   * starts for `doc`; an unfinished, unsubmitted batch for another document keeps its own target
   * until it is finished or discarded (its resource tokens are bound to that document).
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
    if (userId && owner.value && owner.value !== userId) {
      // Another person signed in on this page: the previous person's queue stays saved as theirs, unseen.
      await storage.flushed()
      list.replace([])
      blobs.clear()
      restored = null
    }
    await restore(userId)
    if (userId) owner.value = userId
    void evidence.pool.setOwner(userId)
    const cur = current.value.batch.value
    if (cur.document && cur.document.docId !== doc.docId && finishedCleanly(current.value)) {
      // A receipt for another document with nothing left to retry: the person has moved on.
      await acknowledge()
    } else if (cur.submitted && cur.receipt === null && cur.document?.docId !== doc.docId) {
      startBatch(doc)
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

  /**
   * Starts a new batch (for `doc`, or the current batch's document) while the submitted one waits.
   * Does nothing while the current batch is not submitted yet.
   */
  function startBatch(doc?: TargetDocument): void {
    const cur = current.value.batch.value
    if (!cur.submitted || cur.receipt !== null) return
    list.append(doc ? { ...doc } : cur.document)
    void persist()
  }

  // ---- picking and editing -------------------------------------------------

  /**
   * Adds picked files to the end of the queue (picked after send: to a new batch for the same
   * document). Files beyond the batch limit appear as failed items saying so; the rest are
   * prepared in pick order, at most QUEUE_SETTINGS.preparations at once (memory on phones), and
   * start uploading as soon as each is ready. An item keeps its place whichever preparation
   * finishes first.
   */
  function addFiles(files: File[]): void {
    if (opening) {
      // Picked while the saved queue is still being read: add them once it is, in the same order.
      void opening.then(() => addFiles(files))
      return
    }
    const fits = room.check(files)
    if (fits === true) addNow(files)
    else adding = adding.then(() => fits).then((ok) => ok && addNow(files))
  }

  function addNow(files: File[]): void {
    if (batch.value.submitted) startBatch()
    if (!batch.value.document || batch.value.submitted) return
    const room = roomInBatch(items.value, limits.value)
    batch.value.startedAt ??= Date.now()
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

  /** Removes an item of the current batch, cancelling its upload (the request is aborted). */
  function remove(id: string): void {
    const item = items.value.find((i) => i.id === id)
    if (!item || item.status === 'inserting' || item.status === 'inserted') return
    current.value.uploader.cancel(id)
    items.value = items.value.filter((i) => i.id !== id)
    blobs.delete(id)
    void storage.deleteBlob(id).catch(() => undefined)
    void preparation.forgetSource(id)
    composing.forget(id)
    void persist()
    current.value.inserter.maybeInsert()
  }

  /** Tries a failed upload again from its first attempt. */
  function retry(id: string): void {
    const item = find(id)
    if (!item || item.status !== 'failed' || !blobs.has(id) || item.resource) return
    setStatus(item, 'ready', { error: null, attempts: 0, progress: 0 })
    void persist()
    kick()
  }

  function setOriginal(value: boolean): void {
    original.value = value
    void persist()
  }

  // ---- sending and finishing -----------------------------------------------

  /** The send button: insert every item once all are uploaded (waits for uploads still running). */
  function submit(): void {
    if (!canSend.value) return
    batch.value.submitted = true
    void persist()
    kick()
  }

  /** "Attach more": the receipt is acknowledged; forget the current batch (memory and IndexedDB). */
  async function acknowledge(): Promise<void> {
    await list.clearCurrent()
    await list.prune()
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
   * an aborted request is resent without counting as a failed attempt; tus continues from the
   * server's offset); then the queue carries on and, once everything is up, the insertions go out.
   */
  function resume(): void {
    if (!restored) return
    list.abortRequests()
    kick()
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
    totalProgress: list.progress,
    keptQueue,
    /** Little room left on the device, or an add refused for want of it. */
    storageNotice: room.notice,
    prepareDeps,
    /** Earlier batches, submitted and waiting (or finished with something to retry), oldest first. */
    waitingBatches: list.waiting,
    /** Anything left to upload or insert, in any batch (the screen is kept on meanwhile). */
    unfinished: list.unfinished,
    /** When the oldest photo still waiting was picked (epoch ms), or null. */
    oldestWaiting: list.oldestWaiting,
    /** Changes whenever the queue moves forward (the screen stays on while it does). */
    activity: list.activity,
    /** Photos get the "Taken 2026-12-01 14:03" caption line (remembered on this device, off by default). */
    takenAtCaption: captions.takenAtOn,
    setTakenAtCaption: captions.setTakenAtOn,
    /** The page's translation of that line, e.g. `(time) => t('upload.takenAt.line', { time })`. */
    setTakenAtLine: captions.setLine,
    /** Evidence stamping for the photos picked next (evidence.ts `exposed`: state and actions). */
    ...evidence.exposed,
    /** Items repeating an earlier item's content in this batch → that item's id. */
    sameContentAs: computed(() => current.value.decisions.sameAs.value),
    keepBoth: (id: string) => current.value.decisions.keepBoth(id),
    attachAgain: (id: string) => current.value.decisions.attachAgain(id),
    restore,
    open,
    targetsOther,
    startBatch,
    addFiles,
    setCaption: editing.setCaption,
    move: editing.move,
    remove,
    retry,
    setOriginal,
    setPosition: editing.setPosition,
    setLayout: editing.setLayout,
    submit,
    retryFailed: () => current.value.inserter.retryFailed(),
    retryBatch: list.retry,
    acknowledge,
    discard,
    discardBatch: list.discard,
    blobOf,
    canMarkUp: markup.canMarkUp,
    openMarkup: markup.openMarkup,
    closeMarkup: markup.closeMarkup,
    /** The prepared, unmarked photo the editor draws on. */
    unmarkedOf: composing.preparedOf,
    flush,
    resume,
    /** Resolves when the files added so far are prepared (tests and the UI's "preparing" spinner). */
    prepared: () => adding.then(() => preparation.settled()),
  }
})
