/**
 * What the person must decide before a batch goes in: the same content picked twice in this batch
 * (keep one, or keep both on purpose), and content the document already has (the upload answered
 * `duplicateOf`: attach it again, or not). Until every such question is answered, the insertion
 * waits; removing the item is the other answer (the store's `remove`).
 */
import { computed, type Ref } from 'vue'
import type { DuplicateOf } from '@contract/api'
import { sameContentAs } from '@/lib/same-content'
import type { QueueItem } from './queue-item'

/** The earlier insertion of this item's content, while the person has not said to attach it again. */
export function alreadyInDocument(item: QueueItem): DuplicateOf | null {
  if (item.status !== 'uploaded' || item.attachAgain) return null
  return item.resource?.duplicateOf ?? null
}

export interface DecisionDeps {
  items: Readonly<Ref<QueueItem[]>>
  find(id: string): QueueItem | undefined
  persist(): Promise<void>
  /** A question was answered: the insertion may go ahead now. */
  onDecided(): void
}

export function createDecisions(deps: DecisionDeps) {
  /** Items repeating an earlier item's content → that earlier item's id. */
  const sameAs = computed(() => sameContentAs(deps.items.value.filter((i) => i.status !== 'failed')))
  /** Some question is open: the insertion waits for the answer. */
  const pending = computed(() => sameAs.value.size > 0 || deps.items.value.some((i) => alreadyInDocument(i) !== null))

  const answer = (id: string, change: Partial<QueueItem>) => {
    const item = deps.find(id)
    if (!item) return
    Object.assign(item, change)
    void deps.persist()
    deps.onDecided()
  }

  return {
    sameAs,
    pending,
    /** Keep this repeat of an earlier item's content as well (on purpose). */
    keepBoth: (id: string) => answer(id, { keepDuplicate: true }),
    /** Attach this item although the document already has its content. */
    attachAgain: (id: string) => answer(id, { attachAgain: true }),
  }
}
