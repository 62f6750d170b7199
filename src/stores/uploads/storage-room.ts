/**
 * Room on the device for what is picked (docs/upload-pipeline.md#storage). The queue keeps every
 * pick and its prepared bytes in IndexedDB until it is in the document, so a long offline day
 * can fill the browser's quota. Persistent storage is asked for once (so the browser does not
 * evict a waiting queue under pressure); before each add the estimate is checked: above
 * NEARLY_FULL of the quota the composer says how much room is left, and an add that would not
 * fit is refused as a whole, never half-saved.
 */
import { ref } from 'vue'

export const NEARLY_FULL = 0.8
/** A pick is kept as picked until prepared, and its prepared bytes after: room for both. */
const COPIES_PER_PICK = 2
const PERSIST_ASKED_KEY = 'doc-attach:storage-persist-asked'

export type StorageNotice = { kind: 'low'; left: number } | { kind: 'full'; left: number; needed: number }

function storageManager(): StorageManager | null {
  if (typeof navigator === 'undefined' || !('storage' in navigator)) return null
  // eslint-disable-next-line compat/compat -- checked just above: engines without it (iOS 14) add without the check
  const storage = navigator.storage
  return typeof storage.estimate === 'function' ? storage : null
}

/** Asks for persistent storage, once per device (the answer is the browser's; asking again changes nothing). */
async function askPersistOnce(storage: StorageManager): Promise<void> {
  try {
    if (localStorage.getItem(PERSIST_ASKED_KEY)) return
    localStorage.setItem(PERSIST_ASKED_KEY, '1')
  } catch {
    // Without localStorage it is asked once per page instead.
  }
  if (typeof storage.persist === 'function') await storage.persist().catch(() => false)
}

export function createRoomCheck() {
  const notice = ref<StorageNotice | null>(null)
  let asked = false

  /**
   * Whether `files` may be added: `true` at once where the browser has no storage estimate, else a
   * promise (refused: `notice` says why).
   */
  function check(files: readonly File[]): true | Promise<boolean> {
    const storage = storageManager()
    if (!storage) return true
    return (async () => {
      if (!asked) {
        asked = true
        await askPersistOnce(storage)
      }
      let estimate: StorageEstimate
      try {
        estimate = await storage.estimate()
      } catch {
        return true // no estimate: IndexedDB itself will tell, as before
      }
      const quota = estimate.quota ?? 0
      const usage = estimate.usage ?? 0
      if (quota <= 0) return true
      const needed = files.reduce((n, f) => n + f.size, 0) * COPIES_PER_PICK
      const left = Math.max(0, quota - usage)
      if (needed > left) {
        notice.value = { kind: 'full', left, needed }
        return false
      }
      notice.value = usage + needed > quota * NEARLY_FULL ? { kind: 'low', left: left - needed } : null
      return true
    })()
  }

  return { notice, check }
}
