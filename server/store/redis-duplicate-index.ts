/**
 * What went into each document, by content, in Redis (REDIS_URL; docs/api.md "duplicateOf"): an
 * insertion on one replica makes an upload of the same bytes on any other answer `duplicateOf`.
 * One small key per (document, SHA-256), holding the latest insertion, that expires when it leaves
 * DUPLICATE_WINDOW_DAYS: Redis holds at most what was inserted within the window, nothing older.
 */
import type { DuplicateIndex, InsertedContent } from '../services/upload/duplicate-index'
import type { RedisStore } from './redis'
import { DUPLICATE_RECORD } from './redis-scripts'

const keyOf = (docId: string, sha256: string) => `duplicate:${docId}:${sha256}`
const VALUE = /^(\d+)\|(.+)$/s

export function createRedisDuplicateIndex(store: RedisStore, opts: { windowMs: number; now?: () => number }): DuplicateIndex {
  const now = opts.now ?? Date.now
  return {
    windowMs: opts.windowMs,
    async find(docId, sha256, notBefore) {
      const text = await store.run((c) => c.get(keyOf(docId, sha256)))
      const match = text === null ? null : VALUE.exec(text)
      if (!match?.[1] || !match[2]) return null
      const entry: InsertedContent = { docId, sha256, blockId: match[2], insertedAt: Number(match[1]) }
      return entry.insertedAt >= notBefore ? entry : null
    },
    async record(entries) {
      await Promise.all(
        entries.map((entry) => {
          const at = Math.round(entry.insertedAt)
          const ttlMs = at + opts.windowMs - now()
          if (ttlMs <= 0) return undefined
          const value = `${at}|${entry.blockId}`
          return store.run((c) => c.eval(DUPLICATE_RECORD, 1, keyOf(entry.docId, entry.sha256), String(at), value, String(ttlMs)))
        }),
      )
    },
  }
}
