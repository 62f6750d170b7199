/**
 * IndexedDB persistence of the upload queue (docs/upload-pipeline.md: the queue and its blobs survive a
 * reload or a killed webview). The queue state is one JSON-safe record; each prepared blob is a
 * separate record (see putBlob for how it is stored). A write that fails (quota, private mode)
 * only costs resumability: the queue keeps working from memory.
 */
import { createStore, del, delMany, get, keys, set, type UseStore } from 'idb-keyval'

/** The queue saved before queues were kept per person (and the queue of a person not known yet). */
const STATE_KEY = 'state'
const BLOB_PREFIX = 'blob:'
const SOURCE_PREFIX = 'source:'
const PREPARED_PREFIX = 'prepared:'

let db: UseStore | null = null
function store(): UseStore {
  db ??= createStore('doc-attach-uploads', 'queue')
  return db
}

interface StoredBlob {
  type: string
  bytes: ArrayBuffer
}

/**
 * Where a person's queue is saved: one record per person, so a shared phone never hands one
 * person's waiting photos to another, and signing in as someone else does not delete them.
 */
export function stateKey(owner: string | null): string {
  return owner === null ? STATE_KEY : `${STATE_KEY}:${owner}`
}

/** Loads a saved queue state (the unkeyed one by default), or null when there is none (or IndexedDB is unavailable). */
export async function loadQueueState<T>(key: string = STATE_KEY): Promise<T | null> {
  try {
    return ((await get<T>(key, store())) ?? null) as T | null
  } catch {
    return null
  }
}

/** Saves the queue state (plain objects only). Every function here rejects, never throws, when IndexedDB is missing. */
export async function saveQueueState<T>(state: T, key: string = STATE_KEY): Promise<void> {
  await set(key, state, store())
}

/** Forgets one saved queue state (not the blobs). */
export async function deleteQueueState(key: string): Promise<void> {
  await del(key, store())
}

/**
 * Whether this engine refused to store a Blob (older iOS WebKit). Each saved queue keeps one
 * (queue-storage.ts): after the first refusal its blobs go straight to bytes, so such an engine
 * does not pay a failed write and a read-back for every photo.
 */
export interface BlobSupport {
  refused: boolean
}

/**
 * Stores `blob` as a Blob (no copy in the page's memory: the engine keeps the bytes on disk) unless
 * `support` says this engine refuses them; falls back to its bytes when the write throws or the
 * read-back size is wrong (some engines "store" a Blob as an empty or mangled object).
 */
async function putBlob(key: string, blob: Blob, support?: BlobSupport): Promise<void> {
  if (!support?.refused) {
    try {
      await set(key, blob, store())
      const back = await get<unknown>(key, store())
      if (back instanceof Blob && back.size === blob.size) return
    } catch (err) {
      // A full disk is not a refusal of Blobs: the bytes below would not fit either.
      if (err instanceof DOMException && err.name === 'QuotaExceededError') throw err
      // Older WebKit: "Error preparing Blob/File data to be stored in object store".
    }
    if (support) support.refused = true
  }
  const record: StoredBlob = { type: blob.type, bytes: await blob.arrayBuffer() }
  await set(key, record, store())
}

async function getBlob(key: string): Promise<Blob | null> {
  try {
    const record = await get<StoredBlob | Blob>(key, store())
    if (!record) return null
    return record instanceof Blob ? record : new Blob([record.bytes], { type: record.type })
  } catch {
    return null
  }
}

/**
 * Saves the prepared bytes of an item, as a Blob where the engine stores Blobs (so 200 photos of a
 * site visit are not each copied into the page's memory), else as bytes (see putBlob).
 */
export function saveBlob(id: string, blob: Blob, support?: BlobSupport): Promise<void> {
  return putBlob(BLOB_PREFIX + id, blob, support)
}

/** The prepared bytes of an item, or null when they were never saved or are gone. */
export function loadBlob(id: string): Promise<Blob | null> {
  return getBlob(BLOB_PREFIX + id)
}

/** Forgets one item's prepared bytes. */
export async function deleteBlob(id: string): Promise<void> {
  await del(BLOB_PREFIX + id, store())
}

/**
 * Saves a file as picked, until it is prepared: a reload or a killed webview in the seconds a
 * phone needs to prepare a batch of photos must not lose the ones still waiting. Stored as the
 * File itself where the browser can (no copy), else as bytes.
 */
export function saveSource(id: string, file: Blob, support?: BlobSupport): Promise<void> {
  return putBlob(SOURCE_PREFIX + id, file, support)
}

/** The file as picked, or null once prepared (or never saved). */
export function loadSource(id: string): Promise<Blob | null> {
  return getBlob(SOURCE_PREFIX + id)
}

/** Forgets the file as picked (after preparation, or when the item is removed). */
export async function deleteSource(id: string): Promise<void> {
  await del(SOURCE_PREFIX + id, store())
}

/**
 * Saves the prepared, unmarked photo of an item that has layers (its blob is then the composed
 * photo), so marks can still be changed after a reload, until the item is inserted. Stored like
 * prepared photos.
 */
export function savePrepared(id: string, blob: Blob, support?: BlobSupport): Promise<void> {
  return putBlob(PREPARED_PREFIX + id, blob, support)
}

/** The prepared, unmarked photo of an item with layers, or null. */
export function loadPrepared(id: string): Promise<Blob | null> {
  return getBlob(PREPARED_PREFIX + id)
}

/** Forgets the prepared, unmarked photo (the item was inserted or removed). */
export async function deletePrepared(id: string): Promise<void> {
  await del(PREPARED_PREFIX + id, store())
}

/** Forgets the queue and every saved blob. */
export async function clearQueue(): Promise<void> {
  const all = await keys(store())
  await delMany(all, store())
}
