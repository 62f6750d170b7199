import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InsertionResponse } from '@contract/api'
import {
  createMemoryInsertionJournal,
  journalId,
  openFileInsertionJournal,
  writeFileAtomic,
  type InsertionJournal,
} from './insertion-journal'

const HOUR = 60 * 60 * 1000
const result: InsertionResponse = {
  blocks: [{ blockId: 'blk-1', resourceId: 'res-1' }],
  documentUrl: 'https://alidocs.dingtalk.com/i/nodes/doc-1',
}
const scope = { unionId: 'union-1', docId: 'doc-1', key: 'key-12345678' }
const idA = journalId(scope, 'fingerprint-a')
const idB = journalId(scope, 'fingerprint-b')
const idC = journalId({ ...scope, key: 'key-other-1' }, 'fingerprint-a')

function warnings() {
  const seen: Array<{ obj: object; msg: string }> = []
  return { seen, logger: { warn: (obj: object, msg: string) => seen.push({ obj, msg }) } }
}

/** The behaviour both journals share. */
function sharedBehaviour(open: (opts: { now: () => number; maxEntries?: number }) => Promise<InsertionJournal>) {
  it('knows nothing of a new id, then started, then done with the result', async () => {
    const journal = await open({ now: () => 1_000 })
    expect(await journal.get(idA)).toBeUndefined()
    await journal.markStarted(idA, 'fingerprint-a')
    expect(await journal.get(idA)).toEqual({ state: 'started', at: 1_000 })
    await journal.markDone(idA, 'fingerprint-a', result)
    expect(await journal.get(idA)).toEqual({ state: 'done', at: 1_000, result })
  })

  it('keeps the same key with another fingerprint apart', async () => {
    const journal = await open({ now: () => 1_000 })
    await journal.markDone(idA, 'fingerprint-a', result)
    expect(await journal.get(idB)).toBeUndefined()
  })

  it('forgets entries after 24 hours', async () => {
    let now = 1_000
    const journal = await open({ now: () => now })
    await journal.markStarted(idA, 'fingerprint-a')
    now += 24 * HOUR
    expect(await journal.get(idA)).toBeUndefined()
  })

  it('beyond its bound, forgets the oldest and then treats unknown ids as possibly started until they would have expired', async () => {
    let now = 1_000
    const journal = await open({ now: () => now, maxEntries: 2 })
    await journal.markStarted(idA, 'fingerprint-a')
    now += 1
    await journal.markDone(idB, 'fingerprint-b', result)
    now += 1
    await journal.markStarted(idC, 'fingerprint-a')
    expect(await journal.get(idB)).toEqual({ state: 'done', at: 1_001, result })
    // idA was forced out while live: it, and any id the journal does not hold, may have started.
    expect((await journal.get(idA))?.state).toBe('started')
    expect((await journal.get(journalId(scope, 'never-seen')))?.state).toBe('started')
    now = 1_000 + 24 * HOUR
    expect(await journal.get(journalId(scope, 'never-seen'))).toBeUndefined()
  })
}

describe('memory insertion journal', () => {
  sharedBehaviour(async (opts) => createMemoryInsertionJournal(opts))
})

describe('file insertion journal', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'journal-test-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  sharedBehaviour((opts) => openFileInsertionJournal(dir, opts))

  it('survives a restart: a new journal on the same directory knows what the first recorded', async () => {
    const first = await openFileInsertionJournal(dir)
    await first.markStarted(idA, 'fingerprint-a')
    await first.markDone(idB, 'fingerprint-b', result)
    const second = await openFileInsertionJournal(dir)
    expect((await second.get(idA))?.state).toBe('started')
    expect(await second.get(idB)).toMatchObject({ state: 'done', result })
    expect(await second.get(idC)).toBeUndefined()
  })

  it('writes one small file per entry, named by a hash, never leaving temporary files', async () => {
    const journal = await openFileInsertionJournal(dir)
    await journal.markStarted(idA, 'fingerprint-a')
    await journal.markDone(idA, 'fingerprint-a', result)
    const names = await readdir(dir)
    expect(names).toHaveLength(1)
    expect(names[0]).toMatch(/^[0-9a-f]{64}\.json$/)
    const saved = JSON.parse(await readFile(join(dir, names[0]!), 'utf8'))
    expect(saved).toMatchObject({ id: idA, fingerprint: 'fingerprint-a', state: 'done', result })
  })

  it('creates the directory, and fails to open where it cannot be one', async () => {
    const nested = join(dir, 'a', 'b')
    const journal = await openFileInsertionJournal(nested)
    await journal.markStarted(idA, 'fingerprint-a')
    expect(await readdir(nested)).toHaveLength(1)
    await writeFile(join(dir, 'plain-file'), 'x')
    await expect(openFileInsertionJournal(join(dir, 'plain-file'))).rejects.toThrow()
  })

  it('on open, prunes entries older than 24 hours and leftovers of interrupted writes', async () => {
    const journal = await openFileInsertionJournal(dir)
    await journal.markDone(idA, 'fingerprint-a', result)
    await journal.markStarted(idB, 'fingerprint-b')
    const [old] = (await readdir(dir)).sort()
    const past = new Date(Date.now() - 25 * HOUR)
    // Age one entry's file; add a temp file as a crash between write and rename leaves it.
    await utimes(join(dir, old!), past, past)
    await writeFile(join(dir, `${old}.123.abcd.tmp`), '{"v":1')
    await openFileInsertionJournal(dir)
    const left = await readdir(dir)
    expect(left).toHaveLength(1)
    expect(left[0]).not.toBe(old)
  })

  it('treats an unreadable entry as started (the caller checks the document), with a warning, without crashing', async () => {
    const { seen, logger } = warnings()
    const journal = await openFileInsertionJournal(dir, { logger })
    await journal.markDone(idA, 'fingerprint-a', result)
    await journal.markDone(idB, 'fingerprint-b', result)
    const [fileA, fileB] = await Promise.all(
      [idA, idB].map(async (id) => {
        const names = await readdir(dir)
        for (const name of names) {
          if (JSON.parse(await readFile(join(dir, name), 'utf8')).id === id) return name
        }
        throw new Error('missing file')
      }),
    )
    await writeFile(join(dir, fileA!), '{"v":1,"id":')
    await writeFile(join(dir, fileB!), JSON.stringify({ v: 1, id: idB, fingerprint: 'fingerprint-b', state: 'done', at: 'yesterday' }))

    expect((await journal.get(idA))?.state).toBe('started')
    expect((await journal.get(idB))?.state).toBe('started')
    expect(seen).toHaveLength(2)
    expect(seen[0]?.msg).toMatch(/unreadable/)
    // The next finished attempt replaces it.
    await journal.markDone(idA, 'fingerprint-a', result)
    expect(await journal.get(idA)).toMatchObject({ state: 'done', result })
  })

  it('remembers across a restart that live entries were forced out', async () => {
    let now = Date.now()
    const first = await openFileInsertionJournal(dir, { now: () => now, maxEntries: 1 })
    await first.markStarted(idA, 'fingerprint-a')
    now += 1
    await first.markStarted(idB, 'fingerprint-b')
    const second = await openFileInsertionJournal(dir, { now: () => now, maxEntries: 1 })
    expect((await second.get(idA))?.state).toBe('started')
    expect((await second.get(idC))?.state).toBe('started')
  })
})

describe('writeFileAtomic', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atomic-test-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('replaces the whole file and leaves no temporary file', async () => {
    const path = join(dir, 'entry.json')
    await writeFileAtomic(path, 'x'.repeat(100_000))
    await writeFileAtomic(path, '{"short":true}')
    expect(await readFile(path, 'utf8')).toBe('{"short":true}')
    expect(await readdir(dir)).toEqual(['entry.json'])
  })

  it('keeps the old content and cleans up when the final rename fails', async () => {
    const path = join(dir, 'taken')
    await mkdir(join(path, 'inside'), { recursive: true })
    await expect(writeFileAtomic(path, 'new')).rejects.toThrow()
    expect((await readdir(dir)).sort()).toEqual(['taken'])
  })
})
