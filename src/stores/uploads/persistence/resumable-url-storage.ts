/**
 * Where tus-js-client remembers the URL of each resumable upload, by fingerprint (the content's
 * SHA-256 and the document), so a reload or a killed webview continues a large file from the last
 * byte the server has instead of from zero. Kept in the upload queue's IndexedDB store, beside the
 * queue and its blobs, so it lives and is cleared with them (`tus:` keys).
 */
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval'
import type { PreviousUpload, UrlStorage } from 'tus-js-client'

const PREFIX = 'tus:'

let db: UseStore | null = null
function store(): UseStore {
  // The same database and object store as the queue (./idb.ts).
  db ??= createStore('doc-attach-uploads', 'queue')
  return db
}

type Stored = Omit<PreviousUpload, 'urlStorageKey'>

/** tus-js-client's UrlStorage over IndexedDB; a failing IndexedDB only costs the resume. */
export function createResumableUrlStorage(use: () => UseStore = store): UrlStorage {
  const all = async (): Promise<PreviousUpload[]> => {
    try {
      const found: PreviousUpload[] = []
      for (const [key, value] of await entries<IDBValidKey, Stored>(use())) {
        if (typeof key === 'string' && key.startsWith(PREFIX)) found.push({ ...value, urlStorageKey: key })
      }
      return found
    } catch {
      return []
    }
  }
  return {
    findAllUploads: all,
    async findUploadsByFingerprint(fingerprint) {
      try {
        const key = PREFIX + fingerprint
        const value = await get<Stored>(key, use())
        return value ? [{ ...value, urlStorageKey: key }] : []
      } catch {
        return []
      }
    },
    async removeUpload(urlStorageKey) {
      await del(urlStorageKey, use()).catch(() => undefined)
    },
    async addUpload(fingerprint, upload) {
      const key = PREFIX + fingerprint
      const { urlStorageKey: _ignored, ...value } = upload
      await set(key, value, use()).catch(() => undefined)
      return key
    },
  }
}
