/**
 * The insertion journal in Redis (REDIS_URL): the same records as the file journal, shared by every
 * replica, so a resend served by another replica (or after one died mid-batch) resumes instead of
 * inserting twice. Writes made under a document lock are fenced: Redis refuses them once the lock
 * is no longer this holder's (RedisStore.fencedSet). A failure to read or write is 503, never a guess.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { IDEMPOTENCY_TTL_MS } from '../services/insertion/idempotency-store'
import {
  BatchRecordSchema,
  TokenUseSchema,
  type BatchRecord,
  type InsertionJournal,
  type TokenUse,
} from '../services/insertion/insertion-journal'
import type { RedisStore } from './redis'
import { parseStoredJson } from './stored-json'
import type { Lease } from './types'

const hash = (id: string) => createHash('sha256').update(id).digest('hex')
const recordKey = (id: string) => `journal:${hash(id)}`
const useKey = (docId: string, resourceId: string) => `journal-use:${hash(JSON.stringify([docId, resourceId]))}`
const StoredRecordSchema = z.object({ id: z.string(), record: BatchRecordSchema })

export interface RedisInsertionJournal extends InsertionJournal {
  /** This journal with every write fenced by `lease` (see server/store/fencing.ts). */
  withLease(lease: Lease): InsertionJournal
}

/**
 * Creates the journal on `store`; records live as long as resource tokens (24 h). `since` is when
 * this process last (re)connected to Redis: a Redis that restarted without its data may have
 * forgotten batches, so older batches are checked against the document instead.
 */
export function createRedisInsertionJournal(store: RedisStore, opts: { ttlMs?: number; now?: () => number } = {}): RedisInsertionJournal {
  const ttlMs = opts.ttlMs ?? IDEMPOTENCY_TTL_MS
  const now = opts.now ?? Date.now
  let since = now()
  store.client.on('ready', () => {
    since = now()
  })

  function bind(lease: Lease | null): InsertionJournal {
    const write = async (key: string, value: string) => {
      if (lease) await store.fencedSet(lease, key, value, ttlMs)
      else await store.run((c) => c.set(key, value, 'PX', ttlMs))
    }
    return {
      get since() {
        return since
      },
      async get(id): Promise<BatchRecord | undefined> {
        const text = await store.run((c) => c.get(recordKey(id)))
        if (text === null) return undefined
        const stored = parseStoredJson(StoredRecordSchema, text)
        if (stored?.id === id) return stored.record
        // Something was written here, so an attempt may have started, its progress unknown.
        return { fingerprint: '', state: 'started', at: now() }
      },
      async put(id, record) {
        await write(recordKey(id), JSON.stringify({ id, record: { ...record, at: now() } }))
      },
      async getTokenUse(docId, resourceId): Promise<TokenUse | undefined> {
        const text = await store.run((c) => c.get(useKey(docId, resourceId)))
        if (text === null) return undefined
        return parseStoredJson(TokenUseSchema, text) ?? undefined
      },
      async putTokenUses(docId, uses) {
        for (const { resourceId, ...use } of uses) await write(useKey(docId, resourceId), JSON.stringify(use))
      },
    }
  }

  const unfenced = bind(null)
  return Object.assign(unfenced, { withLease: (lease: Lease) => bind(lease) })
}

const FileIdSchema = z.object({ id: z.string() })
const TokenUseIdSchema = z.tuple([z.literal('token-use'), z.string(), z.string()])

/**
 * Switching an installation to Redis keeps exactly-once: every record and token use of the local
 * file journal in `dir` (DATA_DIR) that Redis does not hold yet is copied there, read through the
 * local journal itself. Entries already in Redis win (another replica may have moved on since).
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
  const copy = async (key: string, value: string, at: number) => {
    const left = Math.max(1000, at + ttlMs - Date.now())
    if ((await store.run((c) => c.set(key, value, 'PX', left, 'NX'))) === 'OK') copied++
  }
  for (const name of names) {
    let id: string
    try {
      id = FileIdSchema.parse(JSON.parse(await readFile(join(dir, name), 'utf8'))).id
    } catch {
      continue
    }
    const tokenUse = parseStoredJson(TokenUseIdSchema, id)
    if (tokenUse) {
      const [, docId, resourceId] = tokenUse
      const use = await local.getTokenUse(docId, resourceId)
      if (use) await copy(useKey(docId, resourceId), JSON.stringify(use), use.insertedAt)
      continue
    }
    const record = await local.get(id)
    if (record) await copy(recordKey(id), JSON.stringify({ id, record }), record.at)
  }
  return copied
}
