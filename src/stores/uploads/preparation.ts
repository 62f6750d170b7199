/**
 * Preparation: each picked file is saved as picked (so a reload does not lose it), prepared
 * (src/media/: upright, no location, downscaled, re-encoded), checked against the restrictions,
 * and its prepared bytes saved before the item is marked ready to upload.
 *
 * Preparations run in pick order, at most QUEUE_SETTINGS.preparations at once. While nothing is
 * ready or on its way up, one runs alone: the first upload then starts as early as possible (two
 * sharing the CPU would both finish later); once the uplink has work, throughput matters more.
 */
import type { Ref } from 'vue'
import type { Limits } from '@contract/api'
import { DEFAULT_PREPARE_OPTIONS, prepareFile, type PrepareDeps, type PrepareOptions, type PreparedFile } from '@/media/prepare-file'
import { createTaskPool } from '@/media/prepare-pool'
import { canMoveTo, setStatus, type ItemError, type QueueItem } from './queue-item'
import { rejectReason } from './restrictions'
import { QUEUE_SETTINGS } from './settings'
import type { QueueStorage } from './persistence/queue-storage'
import type { EvidenceStage } from './evidence-stage'

export interface PreparationDeps {
  find(id: string): QueueItem | undefined
  limits: Readonly<Ref<Limits>>
  /** Dependencies of photo preparation; tests inject a fake canvas. */
  prepareDeps: PrepareDeps
  /** Prepared bytes by item id (the uploader reads them). */
  blobs: Map<string, Blob>
  storage: QueueStorage
  persist(): Promise<void>
  /** Whether an upload is running or an item waits for one. */
  uplinkHasWork(): boolean
  /** An item became ready to upload. */
  onReady(): void
  /** The compose stage (composing.ts): the bytes to send for a prepared file, and their hash. */
  compose(item: QueueItem, prepared: Blob): Promise<{ blob: Blob; sha256: string | null }>
  /** Gives photos picked with "stamp as evidence" on their code and stamp (before composing). */
  evidence?: EvidenceStage
}

const PREPARE_FAILED: ItemError = { code: 'prepare_failed', retryable: false }
const STAMP_FAILED: ItemError = { code: 'evidence_stamp_failed', retryable: false }

export function createPreparation(deps: PreparationDeps) {
  const pool = createTaskPool(() => (deps.uplinkHasWork() ? QUEUE_SETTINGS.preparations : 1))
  /** Picked files are saved one at a time (bounded memory where they must be copied to bytes). */
  let sourceChain: Promise<void> = Promise.resolve()
  const sourceSaves = new Map<string, Promise<void>>()

  /** Saves a file as picked until it is prepared (after those picked before it). */
  function keepSource(id: string, file: File): void {
    const saved = sourceChain.then(() => deps.storage.saveSource(id, file).catch(() => undefined))
    sourceChain = saved
    sourceSaves.set(id, saved)
  }

  /** Drops the saved pick once it is no longer needed (prepared, refused or removed). */
  async function forgetSource(id: string): Promise<void> {
    await sourceSaves.get(id)
    sourceSaves.delete(id)
    await deps.storage.deleteSource(id).catch(() => undefined)
  }

  function fail(id: string, error: ItemError): void {
    const item = deps.find(id)
    if (item && canMoveTo(item.status, 'failed')) setStatus(item, 'failed', { error })
  }

  /** Queues one file for preparation; it starts after those picked before it have started. */
  function enqueue(id: string, file: File, asOriginal: boolean): void {
    const options: PrepareOptions = {
      ...DEFAULT_PREPARE_OPTIONS,
      maxEdge: deps.limits.value.photoMaxEdge ?? DEFAULT_PREPARE_OPTIONS.maxEdge,
      original: asOriginal,
    }
    // Never let one item hold a slot (and the photos picked after it) or fail silently.
    void pool.run(() => prepareOne(id, file, options).catch(() => fail(id, PREPARE_FAILED)))
  }

  async function prepareOne(id: string, file: File, options: PrepareOptions): Promise<void> {
    if (!deps.find(id)) return
    let prepared: PreparedFile
    try {
      prepared = await prepareFile(file, options, deps.prepareDeps)
    } catch {
      fail(id, PREPARE_FAILED)
      void deps.persist()
      void forgetSource(id)
      return
    }
    const item = deps.find(id)
    if (!item) return
    Object.assign(item, {
      name: prepared.name,
      kind: prepared.kind,
      mediaType: prepared.mediaType,
      size: prepared.blob.size,
      originalSize: prepared.originalSize,
      notice: prepared.notice,
      takenAt: prepared.takenAt ?? null,
    })
    const rejected = rejectReason(prepared, deps.limits.value)
    if (rejected) {
      setStatus(item, 'failed', { error: rejected })
      void deps.persist()
      void forgetSource(id)
      return
    }
    const evidence = deps.evidence
    if (evidence?.wants(item, prepared) && !(await evidence.claimNow(id))) {
      // No code on the device: wait unstamped, outside the preparation slots (the next photos go on).
      void deps.persist()
      void evidence.claimWhenCodes(id).then(
        () => finish(id, prepared.blob),
        () => {
          fail(id, STAMP_FAILED)
          void deps.persist()
        },
      )
      return
    }
    await finish(id, prepared.blob)
  }

  /** Draws the layers (marks, stamp) and hashes the result, saves it, and marks the item ready to upload. */
  async function finish(id: string, base: Blob): Promise<void> {
    const item = deps.find(id)
    if (!item) return
    // Layers (if any) drawn in, then hashed: the hash is of exactly what will be sent.
    const { blob, sha256 } = await deps.compose(item, base)
    if (!deps.find(id)) return
    Object.assign(item, { sha256, size: blob.size })
    deps.blobs.set(id, blob)
    // Bytes first, then the state that says they exist: a reload in between finds no "ready" item without bytes.
    await deps.storage.saveBlob(id, blob).catch(() => undefined)
    if (!deps.find(id)) return
    setStatus(item, 'ready')
    await deps.persist()
    deps.onReady()
    void forgetSource(id)
  }

  return {
    keepSource,
    enqueue,
    forgetSource,
    /** Resolves when every file picked so far is saved as picked (IndexedDB), prepared or not. */
    sourcesSaved: () => sourceChain,
    /** Resolves when the files queued so far are prepared. */
    settled: () => pool.settled(),
  }
}
