/**
 * The same content picked twice in one batch (the same photo from the gallery twice, a file and its
 * copy): found by the SHA-256 of what will be sent, so two picks that prepare to identical bytes
 * match whatever their names. The later pick is flagged; the person keeps one (removes it) or keeps
 * both on purpose.
 */

export interface ContentOf {
  id: string
  /** SHA-256 (hex) of the prepared bytes; null until known. */
  sha256?: string | null
  /** The person chose to keep this copy although it repeats an earlier item. */
  keepDuplicate?: boolean
}

/** For every item that repeats an earlier item's content (and is not kept on purpose): its id → the earlier item's id. */
export function sameContentAs(items: readonly ContentOf[]): Map<string, string> {
  const firstWith = new Map<string, string>()
  const repeats = new Map<string, string>()
  for (const item of items) {
    if (!item.sha256) continue
    const first = firstWith.get(item.sha256)
    if (first === undefined) firstWith.set(item.sha256, item.id)
    else if (!item.keepDuplicate) repeats.set(item.id, first)
  }
  return repeats
}
