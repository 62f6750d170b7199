/**
 * What was inserted into each document, by content (SHA-256), so an upload of the same bytes into
 * the same document answers `duplicateOf` (docs/api.md "duplicateOf"). Written after a successful
 * insertion batch; read by the upload paths. This in-memory index is the default of tests and
 * buildApp; server.ts keeps it in DATA_DIR (server/store/local-duplicate-index.ts) or, with several
 * replicas, in Redis (server/store/redis-duplicate-index.ts), behind the same interface.
 */
import type { DuplicateOf, InsertedBlock } from '@contract/api'

/** One item that went into a document. */
export interface InsertedContent {
  docId: string
  sha256: string
  blockId: string
  /** ms since the epoch. */
  insertedAt: number
}

/** The read side, all the upload paths need. */
export interface DuplicateLookup {
  /** How far back an insertion still counts (DUPLICATE_WINDOW_DAYS). */
  readonly windowMs: number
  /** The most recent insertion of `sha256` into `docId` at or after `notBefore`, if any. */
  find(docId: string, sha256: string, notBefore: number): Promise<InsertedContent | null>
}

export interface DuplicateIndex extends DuplicateLookup {
  record(entries: readonly InsertedContent[]): Promise<void>
}

/** Above this many documents the oldest entries are pruned on write, so memory stays bounded. */
const PRUNE_EVERY = 1_000

/** The in-process index, which can also list what it holds (the file-backed index rewrites its file from it). */
export interface MemoryDuplicateIndex extends DuplicateIndex {
  /** Every entry still within the window. */
  live(): InsertedContent[]
}

/** In-process index: one map per document, sha256 → latest insertion; entries past the window are dropped. */
export function createMemoryDuplicateIndex(opts: { windowMs: number; now?: () => number }): MemoryDuplicateIndex {
  const now = opts.now ?? Date.now
  const byDoc = new Map<string, Map<string, InsertedContent>>()
  let writes = 0

  const prune = () => {
    const cutoff = now() - opts.windowMs
    for (const [docId, entries] of byDoc) {
      for (const [sha, entry] of entries) if (entry.insertedAt < cutoff) entries.delete(sha)
      if (entries.size === 0) byDoc.delete(docId)
    }
  }

  return {
    windowMs: opts.windowMs,
    async find(docId, sha256, notBefore) {
      const entry = byDoc.get(docId)?.get(sha256)
      return entry && entry.insertedAt >= notBefore ? entry : null
    },
    async record(entries) {
      for (const entry of entries) {
        let doc = byDoc.get(entry.docId)
        if (!doc) byDoc.set(entry.docId, (doc = new Map()))
        const known = doc.get(entry.sha256)
        if (!known || known.insertedAt <= entry.insertedAt) doc.set(entry.sha256, entry)
      }
      if (++writes % PRUNE_EVERY === 0) prune()
    },
    live() {
      prune()
      return [...byDoc.values()].flatMap((entries) => [...entries.values()])
    },
  }
}

/**
 * `duplicateOf` for an upload answer: null without an index or a hash, or when nothing matches.
 * Asked after the file reached DingTalk, so a lookup that fails (the shared store briefly away,
 * which the store itself logs) answers null rather than throwing the finished upload away.
 */
export async function findDuplicate(
  index: DuplicateLookup | undefined,
  docId: string,
  sha256: string | undefined,
  now: number,
): Promise<DuplicateOf | null> {
  if (!index || !sha256) return null
  const hit = await index.find(docId, sha256, now - index.windowMs).catch(() => null)
  return hit ? { blockId: hit.blockId, insertedAt: new Date(hit.insertedAt).toISOString() } : null
}

/**
 * Called by the insertion route after a batch went in: remembers each item's content (its
 * resource token carries the sha256) with the block that now holds it. Never fails the insertion:
 * a lost record only means a later duplicate goes unflagged.
 */
export async function recordInsertedContent(
  index: DuplicateIndex | undefined,
  batch: {
    docId: string
    items: readonly { resource: { sha256?: string } }[]
    blocks: readonly InsertedBlock[]
    log: { warn(obj: object, msg: string): void }
    now?: number
  },
): Promise<void> {
  if (!index) return
  const insertedAt = batch.now ?? Date.now()
  const entries: InsertedContent[] = []
  batch.items.forEach((item, i) => {
    const blockId = batch.blocks[i]?.blockId
    if (item.resource.sha256 && blockId) entries.push({ docId: batch.docId, sha256: item.resource.sha256, blockId, insertedAt })
  })
  if (entries.length === 0) return
  try {
    await index.record(entries)
  } catch (err) {
    batch.log.warn({ err }, 'duplicate index: could not record inserted content')
  }
}
