/**
 * Marking up a queued photo (issue 17): whether it may be marked now, and the editor opening and
 * closing around the compose stage (composing.ts), which holds the item's upload meanwhile.
 */
import type { Ref } from 'vue'
import type { Mark } from '@/media/marks'
import { composable } from '@/media/compose-photo'
import type { Batch, QueueItem } from './queue-item'
import type { createComposing } from './composing'

export interface MarkupDeps {
  find(id: string): QueueItem | undefined
  /** The current batch (the composer's): nothing is marked once its insertion is built. */
  batch: Readonly<Ref<Batch>>
  blobs: ReadonlyMap<string, Blob>
  composing: ReturnType<typeof createComposing>
}

export function createMarkupActions(deps: MarkupDeps) {
  const { find, batch, blobs, composing } = deps

  /** Whether the person may mark up this item now (a prepared photo, not yet on its way in). */
  function canMarkUp(id: string): boolean {
    const item = find(id)
    if (!item || item.kind !== 'image' || !composable(item.mediaType) || batch.value.insertion || !blobs.has(id)) return false
    return item.status !== 'preparing' && item.status !== 'inserting' && item.status !== 'inserted'
  }

  /** The editor opened: the item's upload (and the insertion) waits until closeMarkup. */
  function openMarkup(id: string): void {
    if (canMarkUp(id)) composing.hold(id)
  }

  /** The editor closed; with `marks` ("done"), they are composed in and sent when the bytes changed. */
  async function closeMarkup(id: string, marks?: Mark[]): Promise<void> {
    try {
      if (marks && canMarkUp(id)) await composing.setMarks(id, marks)
    } catch (err) {
      // The photo decoded when it was prepared, so this is rare; the item keeps its earlier marks and bytes.
      console.warn('markup: the marks could not be drawn into the photo', err)
    } finally {
      composing.release(id)
    }
  }

  return { canMarkUp, openMarkup, closeMarkup }
}
