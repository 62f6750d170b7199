/**
 * Where the queue is saved between page loads: its state (in the current saved format) and each
 * item's bytes. Writes are serialised so an older snapshot never overwrites a newer one. When the
 * saved queue could not be read (see saved-queue.ts), nothing is written or deleted for the rest
 * of the page: the record stays as it was, and the queue works from memory, as it does when
 * IndexedDB is unavailable.
 */
import {
  clearQueue,
  deleteBlob,
  deletePrepared,
  deleteSource,
  loadBlob,
  loadPrepared,
  loadQueueState,
  loadSource,
  saveBlob,
  savePrepared,
  saveQueueState,
  saveSource,
} from './idb'
import { readSavedQueue, type SavedQueue, type SavedQueueReading } from './saved-queue'

export interface QueueStorage {
  /** Reads and parses the saved queue (migrating an older format). */
  load(): Promise<SavedQueueReading>
  /** Saves a snapshot after those saved before it; never rejects (a failed write only costs resumability). */
  save(snapshot: SavedQueue): Promise<void>
  /** Resolves once every save asked for so far is done. */
  flushed(): Promise<void>
  /** Forgets the saved queue and every saved file; never rejects. */
  clear(): Promise<void>
  saveBlob(id: string, blob: Blob): Promise<void>
  loadBlob(id: string): Promise<Blob | null>
  deleteBlob(id: string): Promise<void>
  saveSource(id: string, file: Blob): Promise<void>
  loadSource(id: string): Promise<Blob | null>
  deleteSource(id: string): Promise<void>
  /** The prepared, unmarked photo of an item with layers (compose stage). */
  savePrepared(id: string, blob: Blob): Promise<void>
  loadPrepared(id: string): Promise<Blob | null>
  deletePrepared(id: string): Promise<void>
}

export function createQueueStorage(): QueueStorage {
  let chain: Promise<void> = Promise.resolve()
  /** A saved queue this build cannot read is kept: nothing may write over or delete it. */
  let keepingUnreadable = false
  const unlessKeeping =
    <A extends unknown[]>(write: (...args: A) => Promise<void>) =>
    (...args: A): Promise<void> =>
      keepingUnreadable ? Promise.resolve() : write(...args)

  return {
    async load() {
      const reading = readSavedQueue(await loadQueueState<unknown>())
      if (reading.kind === 'kept') keepingUnreadable = true
      return reading
    },
    save(snapshot) {
      chain = chain.then(() => (keepingUnreadable ? undefined : saveQueueState(snapshot))).catch(() => undefined)
      return chain
    },
    flushed: () => chain,
    clear: unlessKeeping(() => clearQueue().catch(() => undefined)),
    saveBlob: unlessKeeping(saveBlob),
    loadBlob,
    deleteBlob: unlessKeeping(deleteBlob),
    saveSource: unlessKeeping(saveSource),
    loadSource,
    deleteSource: unlessKeeping(deleteSource),
    savePrepared: unlessKeeping(savePrepared),
    loadPrepared,
    deletePrepared: unlessKeeping(deletePrepared),
  }
}
