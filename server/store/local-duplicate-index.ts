/**
 * The duplicate index of a single process (no REDIS_URL), kept in DATA_DIR beside the insertion
 * journal, so a restart does not forget what went into each document within DUPLICATE_WINDOW_DAYS
 * (docs/api.md "duplicateOf"). One append-only file of JSON lines, read at start; entries past the
 * window are skipped, and the file is rewritten without them once it has grown to twice what is
 * live. Appends are not fsynced: a line lost in a crash only means one later duplicate goes unflagged.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { jsonLinesWriter, readJsonLines } from './json-lines-file'
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

  const { entries, lines } = await readDuplicateFile(path, now() - opts.windowMs, opts.logger)
  await memory.record(entries)
  const writer = jsonLinesWriter(path, { linesNow: lines, slack: COMPACT_SLACK, live: () => memory.live().map(toLine) })
  await writer.compactIfGrown()

  return {
    windowMs: opts.windowMs,
    find: (docId, sha256, notBefore) => memory.find(docId, sha256, notBefore),
    async record(entries) {
      await memory.record(entries)
      if (entries.length > 0) await writer.append(entries.map(toLine))
    },
  }
}

/** The entries of a duplicates file inserted at or after `cutoff`, and how many lines it has. */
async function readDuplicateFile(
  path: string,
  cutoff: number,
  logger?: FileDuplicateIndexOptions['logger'],
): Promise<{ entries: InsertedContent[]; lines: number }> {
  const read = await readJsonLines(path, LineSchema, (err) =>
    logger?.warn({ err }, 'duplicate index: could not read its file; starting empty'),
  )
  const entries = read.entries.filter((e) => e.t >= cutoff).map((e) => ({ docId: e.d, sha256: e.s, blockId: e.b, insertedAt: e.t }))
  return { entries, lines: read.lines }
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
