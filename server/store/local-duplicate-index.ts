/**
 * The duplicate index of a single process (no REDIS_URL), kept in DATA_DIR beside the insertion
 * journal, so a restart does not forget what went into each document within DUPLICATE_WINDOW_DAYS
 * (docs/api.md "duplicateOf"). One append-only file of JSON lines, read at start; entries past the
 * window are skipped, and the file is rewritten without them once it has grown to twice what is
 * live. Appends are not fsynced: a line lost in a crash only means one later duplicate goes unflagged.
 */
import { createReadStream } from 'node:fs'
import { appendFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import { parseStoredJson } from './stored-json'
import { writeFileAtomic } from '../services/insertion/insertion-journal'
import { createMemoryDuplicateIndex, type DuplicateIndex, type InsertedContent } from '../services/upload/duplicate-index'

/** The file's name in DATA_DIR (the journal only touches its own 64-hex-digit names). */
export const DUPLICATES_FILE = 'duplicates.jsonl'
/** Rewrite once the file holds this many lines more than twice the live entries. */
const COMPACT_SLACK = 1000

const LineSchema = z.object({ d: z.string(), s: z.string(), b: z.string(), t: z.number() })
const toLine = (e: InsertedContent) => `${JSON.stringify({ d: e.docId, s: e.sha256, b: e.blockId, t: e.insertedAt })}\n`

export interface FileDuplicateIndexOptions {
  windowMs: number
  now?: () => number
  logger?: { warn(obj: object, msg: string): void }
}

/**
 * Opens (creating `dir` if needed) the index in `dir`/duplicates.jsonl.
 * @throws when `dir` cannot be created (a misconfigured DATA_DIR fails at start, as for the journal).
 */
export async function openFileDuplicateIndex(dir: string, opts: FileDuplicateIndexOptions): Promise<DuplicateIndex> {
  const now = opts.now ?? Date.now
  const path = join(dir, DUPLICATES_FILE)
  const memory = createMemoryDuplicateIndex({ windowMs: opts.windowMs, now })
  await mkdir(dir, { recursive: true, mode: 0o700 })

  const { entries, lines: linesRead } = await readDuplicateFile(path, now() - opts.windowMs, opts.logger)
  await memory.record(entries)
  let lines = linesRead

  // One write at a time, so a rewrite never loses a line appended meanwhile.
  let writing: Promise<void> = Promise.resolve()
  const serially = (work: () => Promise<void>) => {
    const next = writing.then(work, work)
    writing = next.catch(() => undefined)
    return next
  }
  const compactIfGrown = async () => {
    const live = memory.live()
    if (lines <= 2 * live.length + COMPACT_SLACK) return
    await writeFileAtomic(path, live.map(toLine).join(''))
    lines = live.length
  }
  await serially(compactIfGrown)

  return {
    windowMs: opts.windowMs,
    find: (docId, sha256, notBefore) => memory.find(docId, sha256, notBefore),
    async record(entries) {
      await memory.record(entries)
      if (entries.length === 0) return
      await serially(async () => {
        await appendFile(path, entries.map(toLine).join(''), { mode: 0o600 })
        lines += entries.length
        await compactIfGrown()
      })
    },
  }
}

/** The entries of a duplicates file inserted at or after `cutoff` (unreadable lines skipped), and how many lines it has. */
async function readDuplicateFile(
  path: string,
  cutoff: number,
  logger?: FileDuplicateIndexOptions['logger'],
): Promise<{ entries: InsertedContent[]; lines: number }> {
  const entries: InsertedContent[] = []
  let lines = 0
  try {
    const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
    for await (const text of reader) {
      lines++
      const parsed = parseStoredJson(LineSchema, text)
      if (parsed && parsed.t >= cutoff) entries.push({ docId: parsed.d, sha256: parsed.s, blockId: parsed.b, insertedAt: parsed.t })
    }
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) {
      logger?.warn({ err }, 'duplicate index: could not read its file; starting empty')
    }
  }
  return { entries, lines }
}

/**
 * Switching an installation to Redis: copies what the single process recorded in `dir` (still
 * within the window) into the shared index, where a later insertion already recorded wins.
 * @returns how many entries were offered.
 */
export async function importLocalDuplicates(dir: string, shared: DuplicateIndex, opts: { now?: () => number } = {}): Promise<number> {
  const now = opts.now ?? Date.now
  const { entries } = await readDuplicateFile(join(dir, DUPLICATES_FILE), now() - shared.windowMs)
  for (let i = 0; i < entries.length; i += 100) await shared.record(entries.slice(i, i + 100))
  return entries.length
}
