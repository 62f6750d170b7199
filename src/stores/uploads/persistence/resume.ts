/**
 * Turns the items of a saved queue back into live ones after a reload or a killed webview:
 * uploaded items keep their resourceToken, interrupted uploads start again from their saved bytes,
 * picks that were not prepared yet are prepared again from their saved copy, and an item whose
 * bytes were never saved is reported as interrupted (never silently left out).
 */
import { setStatus, type QueueItem } from '../queue-item'
import type { SavedBatch } from './saved-queue'
import type { QueueStorage } from './queue-storage'

export interface ResumedItems {
  items: QueueItem[]
  /** Prepared bytes found for the items, by id. */
  blobs: Map<string, Blob>
  /** Picks to prepare again, in queue order. */
  toPrepare: Array<{ id: string; file: File; original: boolean }>
}

export async function resumeItems(
  saved: SavedBatch['items'],
  storage: Pick<QueueStorage, 'loadBlob' | 'loadSource'>,
): Promise<ResumedItems> {
  const items: QueueItem[] = []
  const blobs = new Map<string, Blob>()
  const toPrepare: ResumedItems['toPrepare'] = []
  for (const savedItem of saved) {
    const item: QueueItem = { ...savedItem, progress: savedItem.status === 'uploaded' || savedItem.status === 'inserted' ? 1 : 0 }
    if (item.status === 'preparing' || item.status === 'ready' || item.status === 'uploading') {
      // A 'preparing' item's prepared bytes (if any) may not match its saved name and size yet.
      const blob = item.status === 'preparing' ? null : await storage.loadBlob(item.id)
      const source = blob ? null : await storage.loadSource(item.id)
      if (blob) {
        blobs.set(item.id, blob)
        setStatus(item, 'ready', { attempts: 0 })
      } else if (source) {
        // Picked but not prepared when the page died: prepare it again from the saved pick.
        setStatus(item, 'preparing')
        const file = source instanceof File ? source : new File([source], item.pickedName, { type: source.type || item.mediaType })
        toPrepare.push({ id: item.id, file, original: item.original })
      } else {
        // Its bytes were never saved (storage full or unavailable): it cannot be recovered.
        setStatus(item, 'failed', { error: { code: 'interrupted', retryable: false } })
      }
    } else if (item.status === 'inserting') {
      // The insertion is sent again with its saved key; until then the item is only uploaded.
      setStatus(item, 'uploaded')
    }
    if (item.status === 'uploaded' || item.status === 'inserted' || item.status === 'failed') {
      const blob = await storage.loadBlob(item.id)
      if (blob) blobs.set(item.id, blob)
    }
    items.push(item)
  }
  return { items, blobs, toPrepare }
}
