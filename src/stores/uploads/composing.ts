/**
 * The compose stage of the queue (docs/architecture.md#the-compose-stage): what is sent for a photo
 * is its prepared photo with its layers (marks) drawn in (src/media/compose-photo.ts), hashed
 * after composing. A photo with layers keeps its prepared, unmarked photo (memory and IndexedDB)
 * until it is inserted, so the marks can still be changed, also after a reload.
 *
 * New layers after an upload compose again; when the bytes differ the item is sent again and only
 * the new resource is inserted (the earlier upload stays unreferenced in DingTalk's storage). The
 * same layers again give the same bytes and hash: nothing new is sent. While a photo's editor is
 * open its upload waits (one on the wire is stopped) and so does the insertion.
 */
import { computed, shallowReactive } from 'vue'
import { composePhoto, hasLayers, type PhotoComposer, type PhotoLayers } from '@/media/compose-photo'
import { contentHash } from '@/media/content-hash'
import { sameMarks, type Mark } from '@/media/marks'
import { photoEncoder } from '@/media/photo-encoder'
import { DEFAULT_PREPARE_OPTIONS, type PrepareDeps } from '@/media/prepare-file'
import { setStatus, type QueueItem } from './queue-item'
import { stampOf } from './evidence-lines'
import type { QueueStorage } from './persistence/queue-storage'

export interface ComposingDeps {
  find(id: string): QueueItem | undefined
  /** Bytes to send by item id (the uploader reads them). */
  blobs: Map<string, Blob>
  storage: Pick<QueueStorage, 'saveBlob' | 'savePrepared' | 'loadPrepared' | 'deletePrepared'>
  /** Tests inject a fake encoder (with `compose`). */
  prepareDeps: PrepareDeps
  persist(): Promise<void>
  /** Stops the item's upload on the wire. */
  cancelUpload(id: string): void
  /** An editor closed: uploads and the insertion may go on. */
  onReleased(): void
}

/** What is drawn over an item's prepared photo: its marks and, once it has a code, its evidence stamp. */
export function layersOf(item: Pick<QueueItem, 'marks' | 'evidence'>): PhotoLayers {
  return { marks: item.marks ?? [], stamp: stampOf(item.evidence?.claim) }
}

export function createComposing(deps: ComposingDeps) {
  /** Items whose editor is open (or whose "done" is still composing), counted: reopening during a compose keeps the hold. */
  const editing = shallowReactive(new Map<string, number>())
  /** Prepared, unmarked photos read so far, by item id. */
  const prepared = new Map<string, Blob>()

  function composer(): PhotoComposer | undefined {
    const encoder = deps.prepareDeps.encoder ?? photoEncoder()
    return encoder.compose ? { compose: (request) => encoder.compose!(request) } : undefined
  }

  async function compose(base: Blob, layers: PhotoLayers): Promise<{ blob: Blob; sha256: string | null }> {
    const blob = await composePhoto(base, layers, { quality: DEFAULT_PREPARE_OPTIONS.quality, composer: composer() })
    // The hash of exactly what will be sent (in a worker): the server checks it, the queue compares it.
    return { blob, sha256: await contentHash(blob).catch(() => null) }
  }

  /** Keeps the prepared photo of an item that has layers (its blob is the composed photo). */
  async function keep(id: string, base: Blob): Promise<void> {
    prepared.set(id, base)
    await deps.storage.savePrepared(id, base).catch(() => undefined)
  }

  /** A photo was just prepared: the bytes to send and their hash. */
  async function composed(item: QueueItem, base: Blob): Promise<{ blob: Blob; sha256: string | null }> {
    const layers = layersOf(item)
    // Storing the prepared photo and drawing run side by side: neither needs the other.
    const [, result] = await Promise.all([hasLayers(layers) ? keep(item.id, base) : undefined, compose(base, layers)])
    return result
  }

  /** The prepared, unmarked photo of an item (the editor shows it), or null when it is gone. */
  async function preparedOf(id: string): Promise<Blob | null> {
    const item = deps.find(id)
    if (!item) return null
    const known = prepared.get(id)
    if (known) return known
    const base = hasLayers(layersOf(item)) ? await deps.storage.loadPrepared(id) : (deps.blobs.get(id) ?? null)
    if (base) prepared.set(id, base)
    return base
  }

  /** The editor opened: the item's upload waits until it closes (one on the wire is stopped). */
  function hold(id: string): void {
    const item = deps.find(id)
    if (!item) return
    editing.set(id, (editing.get(id) ?? 0) + 1)
    if (item.status === 'uploading') {
      deps.cancelUpload(id)
      setStatus(item, 'ready', { progress: 0 })
    }
  }

  function release(id: string): void {
    const holds = (editing.get(id) ?? 0) - 1
    if (holds > 0) editing.set(id, holds)
    else editing.delete(id)
    deps.onReleased()
  }

  /** New marks for an item: composes again, and sends again only when the bytes changed. */
  async function setMarks(id: string, marks: Mark[]): Promise<void> {
    const item = deps.find(id)
    if (!item || sameMarks(item.marks ?? [], marks)) return
    const base = await preparedOf(id)
    if (!base) return
    const layers: PhotoLayers = { ...layersOf(item), marks }
    if (hasLayers(layers) && !hasLayers(layersOf(item))) await keep(id, base)
    const { blob, sha256 } = await compose(base, layers)
    const current = deps.find(id)
    if (!current) return
    current.marks = marks.length > 0 ? marks : undefined
    if (!sha256 || sha256 !== current.sha256) {
      deps.blobs.set(id, blob)
      await deps.storage.saveBlob(id, blob).catch(() => undefined)
      Object.assign(current, { sha256, size: blob.size })
      // Sent before with other pixels: send again; only the new resource goes in.
      if (current.status === 'uploaded' || current.status === 'failed') {
        setStatus(current, 'ready', { resource: null, progress: 0, attempts: 0, error: null, attachAgain: undefined })
      }
    }
    if (!hasLayers(layers)) await deps.storage.deletePrepared(id).catch(() => undefined)
    await deps.persist()
  }

  /**
   * A layer other than the marks changed (a new evidence stamp after a refused code): composes
   * again from the kept prepared photo; the new bytes and hash replace the old before the next send.
   */
  async function recompose(id: string): Promise<void> {
    const item = deps.find(id)
    const base = item ? await preparedOf(id) : null
    if (!item || !base) throw new Error(`compose: no prepared photo for ${id}`)
    const { blob, sha256 } = await compose(base, layersOf(item))
    const current = deps.find(id)
    if (!current) return
    deps.blobs.set(id, blob)
    await deps.storage.saveBlob(id, blob).catch(() => undefined)
    Object.assign(current, { sha256, size: blob.size })
    await deps.persist()
  }

  /** Forgets an item's prepared photo (the item was inserted or removed). */
  function forget(id: string): void {
    editing.delete(id)
    prepared.delete(id)
    void deps.storage.deletePrepared(id).catch(() => undefined)
  }

  return {
    composed,
    preparedOf,
    hold,
    release,
    setMarks,
    recompose,
    forget,
    /** Whether an item's editor is open (its upload waits). */
    isHeld: (id: string) => editing.has(id),
    /** Some editor is open: the insertion waits. */
    anyHeld: computed(() => editing.size > 0),
  }
}
