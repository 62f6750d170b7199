/**
 * Where the queue is saved between page loads: its state (in the current saved format, one record
 * per person) and each item's bytes. Writes are serialised so an older snapshot never overwrites a
 * newer one. When the saved queue could not be read (see saved-queue.ts), nothing is written or
 * deleted for the rest of the page: the record stays as it was, and the queue works from memory,
 * as it does when IndexedDB is unavailable.
 */
import {
  deleteBlob,
  deletePrepared,
  deleteQueueState,
  deleteSource,
  loadBlob,
  loadPrepared,
  loadQueueState,
  loadSource,
  saveBlob,
  savePrepared,
  saveQueueState,
  saveSource,
  stateKey,
  type BlobSupport,
} from './idb'
import { readSavedQueue, type SavedQueue, type SavedQueueReading } from './saved-queue'

export interface QueueStorage {
  /**
   * Reads and parses `owner`'s saved queue (migrating an older format). A queue saved before
   * queues were kept per person is taken over when it was that person's (or nobody's); someone
   * else's is left where it is, unseen.
   */
  load(owner: string | null): Promise<SavedQueueReading>
  /** Saves a snapshot (under its owner) after those saved before it; never rejects (a failed write only costs resumability). */
  save(snapshot: SavedQueue): Promise<void>
  /** Resolves once every save asked for so far is done. */
  flushed(): Promise<void>
  /** Forgets the saved bytes (prepared, unmarked and as picked) of these items; never rejects. */
  forget(ids: readonly string[]): Promise<void>
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
  /** The unkeyed record was taken over by this person: it goes once their own record is written. */
  let legacyTakenBy: string | null = null
  /** An engine that refused a Blob once gets bytes for the rest of the page (idb.ts putBlob). */
  const blobSupport: BlobSupport = { refused: false }
  const unlessKeeping =
    <A extends unknown[]>(write: (...args: A) => Promise<void>) =>
    (...args: A): Promise<void> =>
      keepingUnreadable ? Promise.resolve() : write(...args)

  async function write(snapshot: SavedQueue): Promise<void> {
    if (keepingUnreadable) return
    await saveQueueState(snapshot, stateKey(snapshot.owner))
    if (snapshot.owner !== null && legacyTakenBy === snapshot.owner) {
      legacyTakenBy = null
      await deleteQueueState(stateKey(null))
    }
  }

  return {
    async load(owner) {
      let reading = readSavedQueue(await loadQueueState<unknown>(stateKey(owner)))
      if (reading.kind === 'empty' && owner !== null) {
        const legacy = readSavedQueue(await loadQueueState<unknown>(stateKey(null)))
        if (legacy.kind === 'restored' && (legacy.queue.owner === null || legacy.queue.owner === owner)) {
          legacyTakenBy = owner
          reading = { ...legacy, queue: { ...legacy.queue, owner } }
        }
      }
      if (reading.kind === 'kept') keepingUnreadable = true
      return reading
    },
    save(snapshot) {
      chain = chain.then(() => write(snapshot)).catch(() => undefined)
      return chain
    },
    flushed: () => chain,
    forget: unlessKeeping(async (ids) => {
      for (const id of ids) {
        await deleteBlob(id).catch(() => undefined)
        await deleteSource(id).catch(() => undefined)
        await deletePrepared(id).catch(() => undefined)
      }
    }),
    saveBlob: unlessKeeping((id: string, blob: Blob) => saveBlob(id, blob, blobSupport)),
    loadBlob,
    deleteBlob: unlessKeeping(deleteBlob),
    saveSource: unlessKeeping((id: string, file: Blob) => saveSource(id, file, blobSupport)),
    loadSource,
    deleteSource: unlessKeeping(deleteSource),
    savePrepared: unlessKeeping((id: string, blob: Blob) => savePrepared(id, blob, blobSupport)),
    loadPrepared,
    deletePrepared: unlessKeeping(deletePrepared),
  }
}
