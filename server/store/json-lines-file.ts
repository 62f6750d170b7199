/**
 * An append-only file of JSON lines in DATA_DIR, for small records a single process keeps across
 * restarts (local-duplicate-index.ts, local-revocations.ts): read once at start, appended to one
 * write at a time, and rewritten with only the live entries once it has grown to twice their count.
 */
import { createReadStream } from 'node:fs'
import { appendFile, open } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { z } from 'zod'
import { writeFileAtomic } from '../services/insertion/insertion-journal'
import { parseStoredJson } from './stored-json'

/** Every line of `path` that parses as `schema` (unreadable lines skipped), and how many lines it has. */
export async function readJsonLines<S extends z.ZodType>(
  path: string,
  schema: S,
  onUnreadable?: (err: unknown) => void,
): Promise<{ entries: z.infer<S>[]; lines: number }> {
  const entries: z.infer<S>[] = []
  let lines = 0
  try {
    const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
    for await (const text of reader) {
      lines++
      const parsed = parseStoredJson(schema, text)
      if (parsed !== null) entries.push(parsed)
    }
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) onUnreadable?.(err)
  }
  return { entries, lines }
}

export interface JsonLinesWriter {
  /** Appends `lines` (each ending in a newline); `sync`: on disk before this resolves. */
  append(lines: string[], opts?: { sync?: boolean }): Promise<void>
  /** Rewrites the file with only `live()` if it has grown past twice that plus `slack` lines. */
  compactIfGrown(): Promise<void>
}

/** Writes to `path`, which holds `linesNow` lines; `live()` gives the lines worth keeping. */
export function jsonLinesWriter(path: string, opts: { linesNow: number; slack: number; live: () => string[] }): JsonLinesWriter {
  let lines = opts.linesNow
  // One write at a time, so a rewrite never loses a line appended meanwhile.
  let writing: Promise<void> = Promise.resolve()
  const serially = (work: () => Promise<void>) => {
    const next = writing.then(work, work)
    writing = next.catch(() => undefined)
    return next
  }
  const compact = async () => {
    const live = opts.live()
    if (lines <= 2 * live.length + opts.slack) return
    await writeFileAtomic(path, live.join(''))
    lines = live.length
  }
  return {
    append: (added, appendOpts = {}) =>
      serially(async () => {
        if (appendOpts.sync) {
          const file = await open(path, 'a', 0o600)
          try {
            await file.appendFile(added.join(''), 'utf8')
            await file.datasync()
          } finally {
            await file.close()
          }
        } else {
          await appendFile(path, added.join(''), { mode: 0o600 })
        }
        lines += added.length
        await compact()
      }),
    compactIfGrown: () => serially(compact),
  }
}
