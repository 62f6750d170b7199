/**
 * The insertion journal: a durable record, per insertion request, of how far an attempt got — the
 * place it writes at, what was next to that place before the first write, and per step (a photo's
 * block, a file's block, a caption) whether it is being written or is in, with its block id as
 * soon as DingTalk gave it — and, per resource, which block it went into (a token goes into its
 * document once). docs/architecture.md#exactly-once-insertion explains how insertion.ts
 * uses it; docs/api.md "the same key again returns the same result without inserting anything".
 *
 * That is only safe if "no record" really means "never started", so:
 * - every `put` is awaited and durable (temp file + fsync + rename + directory fsync) before the
 *   DingTalk write it announces;
 * - a record that cannot be read (corrupt file) comes back as started with its progress unknown;
 * - when the count bound forces out records younger than the TTL, every unknown id counts as
 *   started (progress unknown) until those records would have expired anyway (`forgottenUntil`);
 * - `since` says from when on the journal has remembered: a batch whose resource tokens are older
 *   may have started before it (a fresh DATA_DIR), and is checked against the document instead.
 * Records live as long as resource tokens (24 h): after that a retry is refused before insertion.
 *
 * The interface is small and async so a shared store (Redis) can implement it for several replicas.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { InsertionResponseSchema } from '@contract/api'
import { IDEMPOTENCY_TTL_MS } from './idempotency-store'

/**
 * Where a batch writes. Every step is placed against this one fixed reference, so a step whose
 * answer was bare (no block id) never holds up the next: `end` appends, `before` inserts right
 * before a block (both in item order); `after` inserts right after a block and `start` at index 0
 * (both in reverse order, so the result reads in item order).
 */
export const ReferenceSchema = z.union([
  z.object({ kind: z.enum(['end', 'start']) }),
  z.object({ kind: z.enum(['before', 'after']), blockId: z.string() }),
])
export type Reference = z.infer<typeof ReferenceSchema>

/** One step's progress: being written (outcome unknown until checked), or in (block id, null until known). */
export const StepProgressSchema = z.union([
  z.object({ state: z.literal('writing') }),
  z.object({ state: z.literal('in'), blockId: z.string().nullable() }),
  z.null(),
])
export type StepProgress = z.infer<typeof StepProgressSchema>

export const BatchRecordSchema = z.object({
  fingerprint: z.string(),
  state: z.enum(['started', 'done']),
  /** Time of the last put. */
  at: z.number(),
  result: InsertionResponseSchema.optional(),
  reference: ReferenceSchema.optional(),
  /**
   * The block next to the reference on the side our blocks go, read before the first write: its
   * id, null when there was none (the edge of the document), absent when not read.
   */
  far: z.string().nullable().optional(),
  /** Per step in writing order (null: not written). Absent: the journal cannot say (see above). */
  steps: z.array(StepProgressSchema).optional(),
})
export type BatchRecord = z.infer<typeof BatchRecordSchema>

/** A resource that went into its document, and under which Idempotency-Key (`batch`, see `batchScope`). */
export const TokenUseSchema = z.object({ batch: z.string(), blockId: z.string(), insertedAt: z.number() })
export type TokenUse = z.infer<typeof TokenUseSchema>

export interface InsertionJournal {
  /** From when on this journal has remembered every batch that started (ms since the epoch). */
  readonly since: number
  /** The record for `id`; undefined when no attempt with this id started (since `since`, within the TTL). */
  get(id: string): Promise<BatchRecord | undefined>
  /** Replaces the record for `id`, durably. Resolves only once it is recorded. */
  put(id: string, record: BatchRecord): Promise<void>
  /** Which block `resourceId` went into in `docId`, if a batch put it there. */
  getTokenUse(docId: string, resourceId: string): Promise<TokenUse | undefined>
  /** Records, durably, that these resources went into `docId`. */
  putTokenUses(docId: string, uses: Array<TokenUse & { resourceId: string }>): Promise<void>
}

/** Bound on remembered records; beyond it the oldest are forgotten (see `forgottenUntil`). */
export const JOURNAL_MAX_ENTRIES = 50_000

export interface JournalOptions {
  now?: () => number
  ttlMs?: number
  maxEntries?: number
}

/** pino-like; the file journal reports unreadable entries through it. */
export interface JournalLogger {
  warn(obj: object, msg: string): void
}

/** Who, which document, which Idempotency-Key: the same batch as far as the person is concerned. */
export function batchScope(scope: { unionId: string; docId: string; key: string }): string {
  return JSON.stringify([scope.unionId, scope.docId, scope.key])
}

/**
 * The journal id of one insertion request: its scope and the request's fingerprint — so a key
 * reused for other content (e.g. after a restart, where the in-memory key check is gone) never
 * replays or resumes a stale record.
 */
export function journalId(scope: { unionId: string; docId: string; key: string }, fingerprint: string): string {
  return JSON.stringify([scope.unionId, scope.docId, scope.key, fingerprint])
}

function tokenUseId(docId: string, resourceId: string): string {
  return JSON.stringify(['token-use', docId, resourceId])
}

/**
 * Age and count bookkeeping shared by both journals: which ids are held (oldest first) and until
 * when unknown ids must be treated as possibly started because live entries were forced out.
 */
class Retention {
  /** Key → time of its last write; Map order is oldest first because writes re-insert. */
  private readonly ages = new Map<string, number>()
  forgottenUntil = 0

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  expired(at: number): boolean {
    return at + this.ttlMs <= this.now()
  }

  /** Whether an id the journal does not hold may still have started (live entries were evicted). */
  mayHaveForgotten(): boolean {
    return this.now() < this.forgottenUntil
  }

  touch(key: string, at: number): void {
    this.ages.delete(key)
    this.ages.set(key, at)
  }

  forget(key: string): void {
    this.ages.delete(key)
  }

  /** Keys to drop to get back under the bound; raises `forgottenUntil` for live ones. */
  overflow(): string[] {
    const out: string[] = []
    for (const [key, at] of this.ages) {
      if (this.ages.size - out.length <= this.maxEntries) break
      if (!this.expired(at)) this.forgottenUntil = Math.max(this.forgottenUntil, at + this.ttlMs)
      out.push(key)
    }
    for (const key of out) this.ages.delete(key)
    return out
  }
}

/** A started record standing in for one the journal cannot vouch for: the caller checks the document. */
function unsure(now: number): BatchRecord {
  return { fingerprint: '', state: 'started', at: now }
}

// ---- in memory ------------------------------------------------------------------------------------

/**
 * A journal that lives as long as the process (buildApp's default, and tests). It covers failed and
 * partial attempts within the process; after a restart it knows nothing (its `since` is its
 * creation), so deployments use the file journal.
 */
export function createMemoryInsertionJournal(opts: JournalOptions = {}): InsertionJournal {
  const now = opts.now ?? Date.now
  const retention = new Retention(now, opts.ttlMs ?? IDEMPOTENCY_TTL_MS, opts.maxEntries ?? JOURNAL_MAX_ENTRIES)
  const records = new Map<string, BatchRecord>()
  const uses = new Map<string, TokenUse>()
  const live = <T>(map: Map<string, T>, id: string, at: (v: T) => number): T | undefined => {
    const value = map.get(id)
    if (value === undefined) return undefined
    if (!retention.expired(at(value))) return value
    map.delete(id)
    retention.forget(id)
    return undefined
  }
  const touch = (id: string, at: number) => {
    retention.touch(id, at)
    for (const gone of retention.overflow()) {
      records.delete(gone)
      uses.delete(gone)
    }
  }
  return {
    since: now(),
    async get(id) {
      const record = live(records, id, (r) => r.at)
      if (record) return structuredClone(record)
      return retention.mayHaveForgotten() ? unsure(now()) : undefined
    },
    async put(id, record) {
      records.set(id, structuredClone({ ...record, at: now() }))
      touch(id, now())
    },
    async getTokenUse(docId, resourceId) {
      const use = live(uses, tokenUseId(docId, resourceId), (u) => u.insertedAt)
      return use && { ...use }
    },
    async putTokenUses(docId, list) {
      for (const { resourceId, ...use } of list) {
        uses.set(tokenUseId(docId, resourceId), use)
        touch(tokenUseId(docId, resourceId), use.insertedAt)
      }
    },
  }
}

// ---- in files -------------------------------------------------------------------------------------

const FileEntrySchema = z.union([
  z.object({ v: z.literal(2), id: z.string(), record: BatchRecordSchema }),
  z.object({ v: z.literal(2), id: z.string(), use: TokenUseSchema }),
  // Written before steps were recorded: a finished batch replays, a started one is checked against the document.
  z.object({
    v: z.literal(1),
    id: z.string(),
    fingerprint: z.string(),
    state: z.enum(['started', 'done']),
    at: z.number(),
    result: InsertionResponseSchema.optional(),
  }),
])
type FileEntry = z.infer<typeof FileEntrySchema>

const ENTRY_FILE = /^[0-9a-f]{64}\.json$/
/** Persists `forgottenUntil`, so a restart after an eviction stays careful too. */
const FORGOTTEN_FILE = 'forgotten-until.json'
/** Persists `since`. */
const SINCE_FILE = 'journal-since.json'
const TEMP_SUFFIX = '.tmp'

export interface FileJournalOptions extends JournalOptions {
  logger?: JournalLogger
}

/** Writes `data` to `path` so that a reader sees either the old file or the whole new one, durably. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`
  const file = await open(temp, 'w', 0o600)
  try {
    await file.writeFile(data, 'utf8')
    await file.sync()
  } finally {
    await file.close()
  }
  try {
    await rename(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw err
  }
  // The rename itself is durable only once the directory is synced.
  const dir = await open(join(path, '..'), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

function isMissing(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT'
}

/**
 * Opens (creating it if needed) a journal in `dir`: one small JSON file per record or token use,
 * named by the SHA-256 of its id. On open it removes entries older than the TTL (by file time),
 * leftovers of interrupted writes, and the oldest entries beyond the bound.
 * @throws when `dir` cannot be created or read (a misconfigured DATA_DIR fails at start).
 */
export async function openFileInsertionJournal(dir: string, opts: FileJournalOptions = {}): Promise<InsertionJournal> {
  const now = opts.now ?? Date.now
  const ttlMs = opts.ttlMs ?? IDEMPOTENCY_TTL_MS
  const retention = new Retention(now, ttlMs, opts.maxEntries ?? JOURNAL_MAX_ENTRIES)
  const log = opts.logger
  const pathOf = (id: string) => join(dir, `${createHash('sha256').update(id).digest('hex')}.json`)
  const nameOf = (path: string) => path.slice(dir.length + 1)

  await mkdir(dir, { recursive: true, mode: 0o700 })
  const forgottenPath = join(dir, FORGOTTEN_FILE)
  try {
    const saved = z.object({ until: z.number() }).safeParse(JSON.parse(await readFile(forgottenPath, 'utf8')))
    // Unreadable: assume the worst for one TTL rather than trusting unknown ids.
    retention.forgottenUntil = saved.success ? saved.data.until : now() + ttlMs
  } catch (err) {
    if (!isMissing(err)) retention.forgottenUntil = now() + ttlMs
  }

  const found: Array<{ name: string; at: number }> = []
  for (const name of await readdir(dir)) {
    const path = join(dir, name)
    if (name.endsWith(TEMP_SUFFIX)) {
      await unlink(path).catch(() => undefined)
      continue
    }
    if (!ENTRY_FILE.test(name)) continue
    const at = await stat(path).then(
      (s) => s.mtimeMs,
      () => undefined,
    )
    if (at === undefined) continue
    if (retention.expired(at)) await unlink(path).catch(() => undefined)
    else found.push({ name, at })
  }
  found.sort((a, b) => a.at - b.at)
  for (const { name, at } of found) retention.touch(name, at)

  // A journal that already holds entries (written before `since` was kept) has remembered since its oldest one.
  const sincePath = join(dir, SINCE_FILE)
  let since: number
  try {
    const saved = z.object({ since: z.number() }).parse(JSON.parse(await readFile(sincePath, 'utf8')))
    since = saved.since
  } catch {
    since = Math.min(now(), ...found.map((f) => f.at))
    await writeFileAtomic(sincePath, JSON.stringify({ since }))
  }

  async function enforceBound(): Promise<void> {
    const before = retention.forgottenUntil
    const gone = retention.overflow()
    for (const name of gone) await unlink(join(dir, name)).catch(() => undefined)
    if (retention.forgottenUntil !== before) {
      await writeFileAtomic(forgottenPath, JSON.stringify({ until: retention.forgottenUntil }))
    }
  }
  await enforceBound()

  async function write(id: string, entry: FileEntry, at: number): Promise<void> {
    const path = pathOf(id)
    await writeFileAtomic(path, JSON.stringify(entry))
    retention.touch(nameOf(path), at)
    await enforceBound()
  }

  /** The entry stored under `id`: undefined when absent or expired, 'unreadable' when corrupt. */
  async function read(id: string): Promise<FileEntry | 'unreadable' | undefined> {
    const path = pathOf(id)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if (isMissing(err)) return undefined
      throw err
    }
    let parsed: FileEntry | undefined
    try {
      const result = FileEntrySchema.safeParse(JSON.parse(text))
      parsed = result.success && result.data.id === id ? result.data : undefined
    } catch {
      parsed = undefined
    }
    if (!parsed) {
      log?.warn({ journalFile: nameOf(path) }, 'insertion journal entry unreadable; treating it as started')
      return 'unreadable'
    }
    const at = 'record' in parsed ? parsed.record.at : 'use' in parsed ? parsed.use.insertedAt : parsed.at
    if (retention.expired(at)) {
      await unlink(path).catch(() => undefined)
      retention.forget(nameOf(path))
      return undefined
    }
    return parsed
  }

  return {
    since,
    async get(id) {
      const entry = await read(id)
      // Something wrote here, so an attempt may have started: the caller checks the document.
      if (entry === 'unreadable') return unsure(now())
      if (entry === undefined) return retention.mayHaveForgotten() ? unsure(now()) : undefined
      if ('record' in entry) return entry.record
      if (entry.v === 1) {
        if (entry.state === 'done' && entry.result)
          return { fingerprint: entry.fingerprint, state: 'done', at: entry.at, result: entry.result }
        return { fingerprint: entry.fingerprint, state: 'started', at: entry.at }
      }
      return undefined
    },
    async put(id, record) {
      const at = now()
      await write(id, { v: 2, id, record: { ...record, at } }, at)
    },
    async getTokenUse(docId, resourceId) {
      const entry = await read(tokenUseId(docId, resourceId))
      return entry && entry !== 'unreadable' && 'use' in entry ? entry.use : undefined
    },
    async putTokenUses(docId, uses) {
      for (const { resourceId, ...use } of uses) {
        const id = tokenUseId(docId, resourceId)
        await write(id, { v: 2, id, use }, use.insertedAt)
      }
    },
  }
}
