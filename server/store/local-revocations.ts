/**
 * Signed-out sessions of a single process (no REDIS_URL), kept in DATA_DIR beside the insertion
 * journal, so a copy of a signed-out cookie stays worthless after a restart (docs/api.md#session).
 * One append-only file of JSON lines `{"id","until"}`, read at start; entries whose cookie has
 * expired are dropped, and the file is rewritten without them once it has grown to twice what is
 * live. Each sign-out is synced to disk before it is answered.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { jsonLinesWriter, readJsonLines } from './json-lines-file'
import type { SharedStore } from './types'

/** The file's name in DATA_DIR (the journal only touches its own 64-hex-digit names). */
export const REVOCATIONS_FILE = 'revocations.jsonl'
/** Rewrite once the file holds this many lines more than twice the live entries. */
const COMPACT_SLACK = 100

const LineSchema = z.object({ id: z.string().min(1).max(200), until: z.number() })
const toLine = (id: string, until: number) => `${JSON.stringify({ id, until })}\n`

/** Where the local store keeps revocations (SharedStore `revoke` / `isRevoked`). */
export interface Revocations {
  revoke(id: string, untilMs: number): Promise<void>
  isRevoked(id: string): Promise<boolean>
}

interface Logger {
  warn(obj: object, msg: string): void
}

/** Revocations in this process's memory only (tests, and the default of createLocalStore). */
export function createMemoryRevocations(now: () => number = Date.now): Revocations & { live(): Map<string, number> } {
  const revoked = new Map<string, number>()
  const live = () => {
    for (const [id, until] of revoked) if (until <= now()) revoked.delete(id)
    return revoked
  }
  return {
    async revoke(id, untilMs) {
      if (revoked.size >= 1000) live()
      revoked.set(id, Math.max(untilMs, revoked.get(id) ?? 0))
    },
    async isRevoked(id) {
      const until = revoked.get(id)
      return until !== undefined && until > now()
    },
    live,
  }
}

/**
 * Opens (creating `dir` if needed) the revocations in `dir`/revocations.jsonl.
 * @throws when `dir` cannot be created (a misconfigured DATA_DIR fails at start, as for the journal).
 */
export async function openFileRevocations(dir: string, opts: { now?: () => number; logger?: Logger } = {}): Promise<Revocations> {
  const now = opts.now ?? Date.now
  const path = join(dir, REVOCATIONS_FILE)
  const memory = createMemoryRevocations(now)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const { entries, lines } = await readRevocationsFile(path, now(), opts.logger)
  for (const { id, until } of entries) await memory.revoke(id, until)
  const writer = jsonLinesWriter(path, {
    linesNow: lines,
    slack: COMPACT_SLACK,
    live: () => [...memory.live()].map(([id, until]) => toLine(id, until)),
  })
  await writer.compactIfGrown()

  return {
    isRevoked: (id) => memory.isRevoked(id),
    async revoke(id, untilMs) {
      await memory.revoke(id, untilMs)
      await writer.append([toLine(id, untilMs)], { sync: true })
    },
  }
}

/** The revocations in a file that still matter at `at`, and how many lines it has. */
async function readRevocationsFile(
  path: string,
  at: number,
  logger?: Logger,
): Promise<{ entries: z.infer<typeof LineSchema>[]; lines: number }> {
  const read = await readJsonLines(path, LineSchema, (err) =>
    logger?.warn({ err }, 'revocations: could not read their file; starting empty'),
  )
  return { entries: read.entries.filter((e) => e.until > at), lines: read.lines }
}

/**
 * Switching an installation to Redis: copies the sign-outs the single process recorded in `dir`
 * (those whose cookie has not expired yet) into the shared store.
 * @returns how many were copied.
 */
export async function importLocalRevocations(
  dir: string,
  store: Pick<SharedStore, 'revoke'>,
  opts: { now?: () => number } = {},
): Promise<number> {
  const now = opts.now ?? Date.now
  const { entries } = await readRevocationsFile(join(dir, REVOCATIONS_FILE), now())
  for (const { id, until } of entries) await store.revoke(id, until)
  return entries.length
}
