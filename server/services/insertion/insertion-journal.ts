/**
 * The insertion journal: a durable note, per insertion request, of whether an attempt has started
 * writing to the document and, once it finished, its result (DESIGN.md §2 "the same key again
 * returns the same result and inserts nothing"; DESIGN.md §6 call budget).
 *
 * It lets services/insertion.ts skip reading the document (DocBlocksQuery, dingtalk-open-api.md
 * §5.2) on a first attempt: the read is needed only when an earlier attempt with the same id may
 * have written something. That is only safe if "no entry" really means "never started", so:
 * - `markStarted` is awaited and durable (temp file + fsync + rename + directory fsync) before the
 *   first DingTalk write;
 * - an entry that cannot be read (corrupt file) counts as started, never as unknown;
 * - when the count bound forces out entries younger than the TTL, every unknown id counts as
 *   started until those entries would have expired anyway (`forgottenUntil`).
 * Entries live as long as resource tokens (24 h): after that a retry is refused before insertion.
 *
 * One process per journal directory: two instances sharing one would need a shared store with
 * atomic claims, which is not built.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { InsertionResponseSchema, type InsertionResponse } from '@contract/api'
import { IDEMPOTENCY_TTL_MS } from './idempotency-store'

/** What the journal knows about one insertion request. */
export type JournalEntry = { state: 'started'; at: number } | { state: 'done'; at: number; result: InsertionResponse }

export interface InsertionJournal {
  /** The entry for `id`, or undefined when no attempt with this id has started (within the TTL). */
  get(id: string): Promise<JournalEntry | undefined>
  /** Records, durably, that an attempt is about to write. Resolves only once it is recorded. */
  markStarted(id: string, fingerprint: string): Promise<void>
  /** Records the result of a finished attempt, to be replayed. */
  markDone(id: string, fingerprint: string, result: InsertionResponse): Promise<void>
}

/** Bound on remembered insertions; beyond it the oldest are forgotten (see `forgottenUntil`). */
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

/**
 * The journal id of one insertion request: who, which document, which Idempotency-Key, and the
 * request's fingerprint — so a key reused for other content (e.g. after a restart, where the
 * in-memory key check is gone) never replays or resumes a stale entry.
 */
export function journalId(scope: { unionId: string; docId: string; key: string }, fingerprint: string): string {
  return JSON.stringify([scope.unionId, scope.docId, scope.key, fingerprint])
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

/** A started entry standing in for one the journal cannot vouch for: the caller reads the document. */
function unsure(now: number): JournalEntry {
  return { state: 'started', at: now }
}

// ---- in memory ------------------------------------------------------------------------------------

/**
 * A journal that lives as long as the process (buildApp's default, and tests). It covers failed and
 * partial attempts within the process; after a restart it knows nothing, so deployments use the
 * file journal.
 */
export function createMemoryInsertionJournal(opts: JournalOptions = {}): InsertionJournal {
  const now = opts.now ?? Date.now
  const retention = new Retention(now, opts.ttlMs ?? IDEMPOTENCY_TTL_MS, opts.maxEntries ?? JOURNAL_MAX_ENTRIES)
  const entries = new Map<string, JournalEntry>()
  const put = (id: string, entry: JournalEntry) => {
    entries.set(id, entry)
    retention.touch(id, entry.at)
    for (const gone of retention.overflow()) entries.delete(gone)
  }
  return {
    async get(id) {
      const entry = entries.get(id)
      if (entry && retention.expired(entry.at)) {
        entries.delete(id)
        retention.forget(id)
      } else if (entry) {
        return entry
      }
      return retention.mayHaveForgotten() ? unsure(now()) : undefined
    },
    async markStarted(id) {
      put(id, { state: 'started', at: now() })
    },
    async markDone(id, _fingerprint, result) {
      put(id, { state: 'done', at: now(), result })
    },
  }
}

// ---- in files -------------------------------------------------------------------------------------

const FileEntrySchema = z.object({
  v: z.literal(1),
  id: z.string(),
  fingerprint: z.string(),
  state: z.enum(['started', 'done']),
  at: z.number(),
  result: InsertionResponseSchema.optional(),
})
type FileEntry = z.infer<typeof FileEntrySchema>

const ENTRY_FILE = /^[0-9a-f]{64}\.json$/
/** Persists `forgottenUntil`, so a restart after an eviction stays careful too. */
const FORGOTTEN_FILE = 'forgotten-until.json'
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
 * Opens (creating it if needed) a journal in `dir`: one small JSON file per entry, named by the
 * SHA-256 of the id. On open it removes entries older than the TTL (by file time), leftovers of
 * interrupted writes, and the oldest entries beyond the bound.
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

  async function enforceBound(): Promise<void> {
    const before = retention.forgottenUntil
    const gone = retention.overflow()
    for (const name of gone) await unlink(join(dir, name)).catch(() => undefined)
    if (retention.forgottenUntil !== before) {
      await writeFileAtomic(forgottenPath, JSON.stringify({ until: retention.forgottenUntil }))
    }
  }
  await enforceBound()

  async function write(id: string, entry: Omit<FileEntry, 'v' | 'id'>): Promise<void> {
    const path = pathOf(id)
    await writeFileAtomic(path, JSON.stringify({ v: 1, id, ...entry } satisfies FileEntry))
    retention.touch(nameOf(path), entry.at)
    await enforceBound()
  }

  return {
    async get(id) {
      const path = pathOf(id)
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (err) {
        if (isMissing(err)) return retention.mayHaveForgotten() ? unsure(now()) : undefined
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
        // Something wrote here, so an attempt may have started: the caller checks the document.
        log?.warn({ journalFile: nameOf(path) }, 'insertion journal entry unreadable; treating it as started')
        return unsure(now())
      }
      if (retention.expired(parsed.at)) {
        await unlink(path).catch(() => undefined)
        retention.forget(nameOf(path))
        return retention.mayHaveForgotten() ? unsure(now()) : undefined
      }
      if (parsed.state === 'done' && parsed.result) return { state: 'done', at: parsed.at, result: parsed.result }
      return { state: 'started', at: parsed.at }
    },
    async markStarted(id, fingerprint) {
      await write(id, { fingerprint, state: 'started', at: now() })
    },
    async markDone(id, fingerprint, result) {
      await write(id, { fingerprint, state: 'done', at: now(), result })
    },
  }
}
