/**
 * The insertion journal in Redis (REDIS_URL): the same record as the file journal, shared by every
 * replica, so a resend served by another replica (or after one died mid-batch) resumes instead of
 * inserting twice. Writes made under a document lock are fenced: Redis refuses them once the lock
 * is no longer this holder's (RedisStore.fencedSet). A failure to read or write is 503, never a guess.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { InsertionResponseSchema } from '@contract/api'
import { IDEMPOTENCY_TTL_MS } from '../services/insertion/idempotency-store'
import type { InsertionJournal, JournalEntry } from '../services/insertion/insertion-journal'
import type { RedisStore } from './redis'
import type { Lease } from './types'

const RecordSchema = z.object({
  id: z.string(),
  fingerprint: z.string(),
  state: z.enum(['started', 'done']),
  at: z.number(),
  result: InsertionResponseSchema.optional(),
})
type JournalRecord = z.infer<typeof RecordSchema>

const keyOf = (id: string) => `journal:${createHash('sha256').update(id).digest('hex')}`

export interface RedisInsertionJournal extends InsertionJournal {
  /** This journal with every write fenced by `lease` (see server/store/fencing.ts). */
  withLease(lease: Lease): InsertionJournal
}

/** Creates the journal on `store`; entries live as long as resource tokens (24 h). */
export function createRedisInsertionJournal(store: RedisStore, opts: { ttlMs?: number; now?: () => number } = {}): RedisInsertionJournal {
  const ttlMs = opts.ttlMs ?? IDEMPOTENCY_TTL_MS
  const now = opts.now ?? Date.now

  function bind(lease: Lease | null): InsertionJournal {
    const write = async (record: JournalRecord) => {
      const value = JSON.stringify(record)
      if (lease) await store.fencedSet(lease, keyOf(record.id), value, ttlMs)
      else await store.run((c) => c.set(keyOf(record.id), value, 'PX', ttlMs))
    }
    return {
      async get(id): Promise<JournalEntry | undefined> {
        const text = await store.run((c) => c.get(keyOf(id)))
        if (text === null) return undefined
        let parsed: JournalRecord | undefined
        try {
          const result = RecordSchema.safeParse(JSON.parse(text))
          parsed = result.success && result.data.id === id ? result.data : undefined
        } catch {
          parsed = undefined
        }
        // Something was written here, so an attempt may have started: the caller checks the document.
        if (!parsed) return { state: 'started', at: now() }
        if (parsed.state === 'done' && parsed.result) return { state: 'done', at: parsed.at, result: parsed.result }
        return { state: 'started', at: parsed.at }
      },
      markStarted: (id, fingerprint) => write({ id, fingerprint, state: 'started', at: now() }),
      markDone: (id, fingerprint, result) => write({ id, fingerprint, state: 'done', at: now(), result }),
    }
  }

  return { ...bind(null), withLease: (lease) => bind(lease) }
}

const FileIdSchema = z.object({ id: z.string(), fingerprint: z.string().optional() })

/**
 * Switching an installation to Redis keeps exactly-once: every entry of the local file journal in
 * `dir` (DATA_DIR/insertions) that Redis does not hold yet is copied there, as the local journal
 * reads it. Entries already in Redis win (another replica may have moved on since).
 * @returns how many entries were copied.
 */
export async function importLocalJournal(
  dir: string,
  local: InsertionJournal,
  store: RedisStore,
  opts: { ttlMs?: number } = {},
): Promise<number> {
  const ttlMs = opts.ttlMs ?? IDEMPOTENCY_TTL_MS
  let names: string[]
  try {
    names = (await readdir(dir)).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
  } catch {
    return 0
  }
  let copied = 0
  for (const name of names) {
    let id: string
    let fingerprint: string
    try {
      const file = FileIdSchema.parse(JSON.parse(await readFile(join(dir, name), 'utf8')))
      id = file.id
      fingerprint = file.fingerprint ?? ''
    } catch {
      continue
    }
    const entry = await local.get(id)
    if (!entry) continue
    const record: JournalRecord =
      entry.state === 'done'
        ? { id, fingerprint, state: 'done', at: entry.at, result: entry.result }
        : { id, fingerprint, state: 'started', at: entry.at }
    const left = Math.max(1000, entry.at + ttlMs - Date.now())
    const set = await store.run((c) => c.set(keyOf(id), JSON.stringify(record), 'PX', left, 'NX'))
    if (set === 'OK') copied++
  }
  return copied
}
