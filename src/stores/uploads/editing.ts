/**
 * What the person changes in the current batch before it goes in: captions, order, position and
 * layout. Nothing changes once its insertion has been built (the saved body is sent as it is).
 */
import type { Ref } from 'vue'
import type { Layout, Position } from '@contract/api'
import { MAX_CAPTION_LENGTH } from '@contract/api'
import type { Batch, QueueItem } from './queue-item'

export interface EditingDeps {
  items: Ref<QueueItem[]>
  batch: Ref<Batch>
  persist(): Promise<void>
}

export function createEditing(deps: EditingDeps) {
  const { items, batch } = deps

  /** Caption shown under an image (or after a file) in the document; trimmed to the API's maximum. */
  function setCaption(id: string, caption: string): void {
    const item = items.value.find((i) => i.id === id)
    if (!item || batch.value.insertion) return
    item.caption = caption.slice(0, MAX_CAPTION_LENGTH)
    void deps.persist()
  }

  /** Moves an item up (-1) or down (+1); the document receives items in this order. */
  function move(id: string, delta: -1 | 1): void {
    if (batch.value.insertion) return
    const from = items.value.findIndex((i) => i.id === id)
    const to = from + delta
    if (from < 0 || to < 0 || to >= items.value.length) return
    const list = items.value.slice()
    const [moved] = list.splice(from, 1)
    if (!moved) return
    list.splice(to, 0, moved)
    items.value = list
    void deps.persist()
  }

  function setPosition(position: Position): void {
    if (batch.value.insertion) return
    batch.value.position = position
    void deps.persist()
  }

  function setLayout(layout: Layout): void {
    if (batch.value.insertion) return
    batch.value.layout = layout
    void deps.persist()
  }

  return { setCaption, move, setPosition, setLayout }
}
