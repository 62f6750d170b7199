/**
 * Several batches wait at once (a site visit: one batch for the site diary, the next for the
 * defects list, all picked offline). Each batch is a lane with its own document, position,
 * layout, items and captions, and its own uploader, decisions and inserter; the lanes share the
 * prepared bytes, the network, and one bound on uploads running at once. Uploads go in the order
 * the batches were submitted, and a batch is inserted only once every batch before it has finished,
 * so two batches for one document land in the order they were sent.
 */
import { computed, ref, shallowRef, toRaw, watch, type ComputedRef, type Ref } from 'vue'
import { newId } from '@/lib/ids'
import { emptyBatch, isOnItsWay, type Batch, type ItemStatus, type QueueItem, type TargetDocument } from './queue-item'
import { createUploader } from './uploader'
import { createInserter } from './inserter'
import { createDecisions } from './decisions'
import type { SavedBatch } from './persistence/saved-queue'
import type { QueueStorage } from './persistence/queue-storage'
import { resumeItems, type ResumedItems } from './persistence/resume'

interface LaneShared {
  find(id: string): QueueItem | undefined
  blobs: Map<string, Blob>
  online: Readonly<Ref<boolean>>
  whenOnline(): Promise<void>
  persist(): Promise<void>
  /** Uploads running across every lane. */
  slots: { inFlight: number }
  captionOf(item: QueueItem): string
  /** A batch submitted before this one has not finished yet: this one's insertion waits. */
  waitsForEarlier(laneId: string): boolean
  /** Something settled in some lane: start what can start, in every lane, in order. */
  kick(): void
  /** The item's upload waits (its markup editor is open). */
  uploadHeld(id: string): boolean
  restamp?(id: string): Promise<void>
  /** Insertions wait (a markup editor is open). */
  insertHeld(): boolean
}

export interface Lane {
  id: string
  items: Ref<QueueItem[]>
  batch: Ref<Batch>
  /** Some item is still being prepared or uploaded. */
  busy: ComputedRef<boolean>
  uploader: ReturnType<typeof createUploader>
  inserter: ReturnType<typeof createInserter>
  decisions: ReturnType<typeof createDecisions>
}

/** A batch read back from storage, its items made live again. */
export type SavedBatchInput = Omit<SavedBatch, 'items'> & { items: QueueItem[] }

/** A lane for a new batch (empty, for `document`) or for one read back from storage. */
function createLane(shared: LaneShared, from?: SavedBatchInput | { document: TargetDocument | null }): Lane {
  const id = from && 'id' in from ? from.id : newId()
  const items = ref<QueueItem[]>(from && 'items' in from ? from.items : [])
  const batch = ref<Batch>(from && 'batch' in from ? from.batch : { ...emptyBatch(), document: from?.document ?? null })
  const busy = computed(() => items.value.some(isOnItsWay))
  const decisions = createDecisions({ items, find: shared.find, persist: shared.persist, onDecided: shared.kick })
  const held = computed(() => decisions.pending.value || shared.insertHeld() || shared.waitsForEarlier(id))
  const uploader = createUploader({
    items,
    find: shared.find,
    batch,
    blobs: shared.blobs,
    online: shared.online,
    whenOnline: shared.whenOnline,
    persist: shared.persist,
    onSettled: shared.kick,
    slots: shared.slots,
    held: shared.uploadHeld,
    ...(shared.restamp ? { restamp: shared.restamp } : {}),
  })
  const inserter = createInserter({
    items,
    find: shared.find,
    batch,
    blobs: shared.blobs,
    busy,
    online: shared.online,
    whenOnline: shared.whenOnline,
    persist: shared.persist,
    pump: shared.kick,
    held,
    captionOf: shared.captionOf,
  })
  return { id, items, batch, busy, uploader, inserter, decisions }
}

/** The batch went in and nothing in it is left to retry: it can be forgotten. */
export function finishedCleanly(lane: Lane): boolean {
  return lane.batch.value.receipt !== null && lane.items.value.every((i) => i.status === 'inserted')
}

const STATUS_ORDER: readonly ItemStatus[] = ['preparing', 'ready', 'uploading', 'uploaded', 'inserting', 'inserted', 'failed']

/** What a waiting batch shows (the composer shows the current one in full). */
export interface WaitingBatch {
  id: string
  batch: Batch
  items: QueueItem[]
}

/** The lane a person works on: always the last one (earlier ones were submitted and wait). */
export function lastLane(lanes: readonly Lane[]): Lane {
  const lane = lanes[lanes.length - 1]
  if (!lane) throw new Error('upload queue: there is always a current batch')
  return lane
}

/** When the oldest item still waiting to go in was picked (epoch ms), or null when nothing waits. */
export function oldestWaitingSince(lanes: readonly Lane[]): number | null {
  let oldest: number | null = null
  for (const lane of lanes) {
    const started = lane.batch.value.startedAt
    if (started === null || lane.batch.value.receipt !== null) continue
    if (!lane.items.value.some((i) => i.status !== 'inserted' && i.status !== 'failed')) continue
    oldest = oldest === null ? started : Math.min(oldest, started)
  }
  return oldest
}

export interface BatchListDeps {
  blobs: Map<string, Blob>
  online: Readonly<Ref<boolean>>
  whenOnline(): Promise<void>
  persist(): Promise<void>
  captionOf(item: QueueItem): string
  /** Forgets the saved bytes of these items (IndexedDB), after pending writes. */
  forgetSaved(ids: string[]): Promise<void>
  uploadHeld(id: string): boolean
  insertHeld(): boolean
  /** Replaces a refused evidence code: new code, new stamp, new bytes and hash (evidence-stage.ts). */
  restamp?(id: string): Promise<void>
}

/** The lanes in the order submitted, and what works across them. */
export function createBatchList(deps: BatchListDeps) {
  const shared: LaneShared = {
    ...deps,
    find,
    slots: { inFlight: 0 },
    waitsForEarlier: (laneId) => {
      for (const lane of lanes.value) {
        if (lane.id === laneId) return false
        if (lane.batch.value.receipt === null) return true
      }
      return false
    },
    kick,
  }
  const lanes = shallowRef<Lane[]>([createLane(shared)])
  const current = computed(() => lastLane(lanes.value))

  function find(id: string): QueueItem | undefined {
    for (const lane of lanes.value) {
      const item = lane.items.value.find((i) => i.id === id)
      if (item) return item
    }
    return undefined
  }

  /** Starts what can start: uploads in the order the batches were submitted, then insertions. */
  function kick(): void {
    for (const lane of lanes.value) lane.uploader.pump()
    for (const lane of lanes.value) lane.inserter.maybeInsert()
  }

  /** Forgets a lane's items (memory and IndexedDB). */
  async function forget(lane: Lane): Promise<void> {
    lane.uploader.cancelAll()
    const ids = lane.items.value.map((i) => i.id)
    for (const id of ids) deps.blobs.delete(id)
    await deps.forgetSaved(ids)
  }

  /** Earlier batches that went in cleanly are forgotten. */
  async function prune(): Promise<void> {
    const gone = lanes.value.slice(0, -1).filter(finishedCleanly)
    if (gone.length === 0) return
    lanes.value = lanes.value.filter((l) => !gone.includes(l))
    for (const lane of gone) await forget(lane)
    await deps.persist()
  }

  // A batch that went in cleanly is forgotten once a later one exists; the next may go in now.
  watch(
    () => lanes.value.map((l) => l.batch.value.receipt),
    () => {
      void prune()
      kick()
    },
  )

  function replace(saved: SavedBatchInput[]): void {
    for (const lane of lanes.value) lane.uploader.cancelAll()
    lanes.value = saved.length > 0 ? saved.map((b) => createLane(shared, b)) : [createLane(shared)]
  }

  /** The document of the batch that holds this item. */
  function documentOf(id: string): TargetDocument | null {
    return lanes.value.find((l) => l.items.value.some((i) => i.id === id))?.batch.value.document ?? null
  }

  return {
    lanes,
    current,
    find,
    documentOf,
    kick,
    forget,
    prune,
    /** Replaces every lane (a restored queue, or an empty one for another person). */
    replace,
    /**
     * Makes saved batches live again (persistence/resume.ts) in place of the lanes; returns the
     * picks to prepare again, in queue order.
     */
    async restore(saved: SavedBatch[], storage: Pick<QueueStorage, 'loadBlob' | 'loadSource'>): Promise<ResumedItems['toPrepare']> {
      const batches: SavedBatchInput[] = []
      const toPrepare: ResumedItems['toPrepare'] = []
      for (const savedBatch of saved) {
        const resumed = await resumeItems(savedBatch.items, storage)
        for (const [id, blob] of resumed.blobs) deps.blobs.set(id, blob)
        toPrepare.push(...resumed.toPrepare)
        batches.push({ ...savedBatch, items: resumed.items })
      }
      replace(batches)
      return toPrepare
    },
    /** Forgets the current batch's items; it starts again, empty, for the same document. */
    async clearCurrent(): Promise<void> {
      const lane = current.value
      await forget(lane)
      lane.items.value = []
      lane.batch.value = { ...emptyBatch(), document: lane.batch.value.document }
    },
    /** A new batch (for `document`) after the current one, which waits. */
    append(document: TargetDocument | null): void {
      lanes.value = [...lanes.value, createLane(shared, { document })]
    },
    /** Drops an earlier batch (e.g. one that failed for good); the batches after it go on. */
    async discard(id: string): Promise<void> {
      const lane = lanes.value.find((l) => l.id === id)
      if (!lane || lane === current.value) return
      lanes.value = lanes.value.filter((l) => l !== lane)
      await forget(lane)
      await deps.persist()
      kick()
    },
    retry: (id: string) => lanes.value.find((l) => l.id === id)?.inserter.retryFailed(),
    /** The state as saved (plain data). */
    saved: (): SavedBatch[] => lanes.value.map((l) => ({ id: l.id, items: toRaw(l.items.value), batch: toRaw(l.batch.value) })),
    /** Earlier batches, submitted and waiting (or finished with something to retry), oldest first. */
    waiting: computed<WaitingBatch[]>(() =>
      lanes.value.slice(0, -1).map((l) => ({ id: l.id, batch: l.batch.value, items: l.items.value })),
    ),
    /** Anything left to upload or insert, in any batch. */
    unfinished: computed(() => lanes.value.some((l) => l.batch.value.receipt === null && l.items.value.some((i) => i.status !== 'failed'))),
    oldestWaiting: computed(() => oldestWaitingSince(lanes.value)),
    /** Grows whenever the queue moves forward (an item's status or progress), in any batch. */
    activity: computed(() =>
      lanes.value.reduce((n, l) => l.items.value.reduce((m, i) => m + STATUS_ORDER.indexOf(i.status) + i.progress, n), 0),
    ),
    /** The current batch's share uploaded, 0–1 (by bytes). */
    progress: computed(() => {
      const counted = current.value.items.value.filter((i) => i.status !== 'failed' && i.size > 0)
      const total = counted.reduce((n, i) => n + i.size, 0)
      if (total === 0) return 0
      const sent = counted.reduce((n, i) => n + (i.progress >= 1 ? i.size : (current.value.uploader.bytesSent(i.id) ?? 0)), 0)
      return Math.min(1, sent / total)
    }),
    /** Stops the item's upload on the wire, whichever batch it is in. */
    cancelUpload: (id: string) => lanes.value.forEach((l) => l.uploader.cancel(id)),
    abortRequests: () => lanes.value.forEach((l) => l.uploader.abortRequests()),
    uplinkHasWork: () => lanes.value.some((l) => l.uploader.hasWork()),
  }
}
