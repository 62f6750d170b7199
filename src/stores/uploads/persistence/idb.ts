/**
 * IndexedDB persistence of the upload queue (docs/upload-pipeline.md: the queue and its blobs survive a
 * reload or a killed webview). The queue state is one JSON-safe record; each prepared blob is a
 * separate record (see saveBlob for how it is stored). A write that fails (quota, private mode)
 * only costs resumability: the queue keeps working from memory.
 */
import { createStore, del, delMany, get, keys, set, type UseStore } from 'idb-keyval'

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

/** Loads the saved queue state, or null when there is none (or IndexedDB is unavailable). */
export async function loadQueueState<T>(): Promise<T | null> {
  try {
    return ((await get<T>(STATE_KEY, store())) ?? null) as T | null
  } catch {
    return null
  }
}

/** Saves the queue state (plain objects only). Every function here rejects, never throws, when IndexedDB is missing. */
export async function saveQueueState<T>(state: T): Promise<void> {
  await set(STATE_KEY, state, store())
}

/** Above this size a prepared blob is first stored as a Blob (no copy in memory); below, as bytes. */
const STORE_AS_BLOB_ABOVE = 8 * 1024 * 1024

async function putBlob(key: string, blob: Blob, tryBlobFirst: boolean): Promise<void> {
  if (tryBlobFirst) {
    try {
      await set(key, blob, store())
      // Read back the size: some engines "store" a Blob as an empty or mangled object.
      const back = await get<unknown>(key, store())
      if (back instanceof Blob && back.size === blob.size) return
    } catch {
      // Older WebKit: "Error preparing Blob/File data to be stored in object store".
    }
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
 * Saves the prepared bytes of an item. Photos (small after preparation) go as bytes, which every
 * WebKit stores; large files are tried as Blobs first, so a 100 MB PDF is not copied into memory,
 * and fall back to bytes where the browser cannot store Blobs (checked by reading the size back).
 */
export function saveBlob(id: string, blob: Blob): Promise<void> {
  return putBlob(BLOB_PREFIX + id, blob, blob.size > STORE_AS_BLOB_ABOVE)
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
export function saveSource(id: string, file: Blob): Promise<void> {
  return putBlob(SOURCE_PREFIX + id, file, true)
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
 * photo), so marks can still be changed after a reload, until the item is inserted. As bytes, like
 * prepared photos.
 */
export function savePrepared(id: string, blob: Blob): Promise<void> {
  return putBlob(PREPARED_PREFIX + id, blob, blob.size > STORE_AS_BLOB_ABOVE)
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
