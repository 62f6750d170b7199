/**
 * IndexedDB persistence of the upload queue (DESIGN.md §1 step 5: the queue and its blobs survive a
 * reload or a killed webview). The queue state is one JSON-safe record; each prepared blob is a
 * separate record stored as bytes + type, because older iOS WebKit fails to store Blob objects in
 * IndexedDB ("Error preparing Blob/File data to be stored in object store").
 */
import { createStore, del, delMany, get, keys, set, type UseStore } from 'idb-keyval'

const STATE_KEY = 'state'
const BLOB_PREFIX = 'blob:'

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

/** Saves the queue state (must be structured-clonable: plain objects only). */
export function saveQueueState<T>(state: T): Promise<void> {
  return set(STATE_KEY, state, store())
}

/** Saves the prepared bytes of an item. */
export async function saveBlob(id: string, blob: Blob): Promise<void> {
  const record: StoredBlob = { type: blob.type, bytes: await blob.arrayBuffer() }
  await set(BLOB_PREFIX + id, record, store())
}

/** The prepared bytes of an item, or null when they were never saved or are gone. */
export async function loadBlob(id: string): Promise<Blob | null> {
  try {
    const record = await get<StoredBlob>(BLOB_PREFIX + id, store())
    return record ? new Blob([record.bytes], { type: record.type }) : null
  } catch {
    return null
  }
}

/** Forgets one item's bytes. */
export function deleteBlob(id: string): Promise<void> {
  return del(BLOB_PREFIX + id, store())
}

/** Forgets the queue and every saved blob. */
export async function clearQueue(): Promise<void> {
  const all = await keys(store())
  await delMany(all, store())
}
