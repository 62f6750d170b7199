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
  type BatchRecord,
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

/** A batch record as the insertion service writes it: started with its steps, or done with its result. */
const started = (fingerprint: string): BatchRecord => ({
  fingerprint,
  state: 'started',
  at: 0,
  reference: { kind: 'end' },
  far: null,
  steps: [{ state: 'writing' }, null],
})
const done = (fingerprint: string): BatchRecord => ({ fingerprint, state: 'done', at: 0, result })
const markStarted = (journal: InsertionJournal, id: string, fingerprint: string) => journal.put(id, started(fingerprint))
const markDone = (journal: InsertionJournal, id: string, fingerprint: string) => journal.put(id, done(fingerprint))
/** Started, but the journal cannot say how far (the caller checks the document). */
const progressUnknown = (record: BatchRecord | undefined) => record?.state === 'started' && record.steps === undefined
const entryFiles = async (dir: string) => (await readdir(dir)).filter((name) => /^[0-9a-f]{64}\.json$/.test(name))

function warnings() {
  const seen: Array<{ obj: object; msg: string }> = []
  return { seen, logger: { warn: (obj: object, msg: string) => seen.push({ obj, msg }) } }
}

/** The behaviour both journals share. */
function sharedBehaviour(open: (opts: { now: () => number; maxEntries?: number }) => Promise<InsertionJournal>) {
  it('knows nothing of a new id, then started, then done with the result', async () => {
    const journal = await open({ now: () => 1_000 })
    expect(await journal.get(idA)).toBeUndefined()
    await markStarted(journal, idA, 'fingerprint-a')
    expect(await journal.get(idA)).toEqual({ ...started('fingerprint-a'), at: 1_000 })
    await markDone(journal, idA, 'fingerprint-a')
    expect(await journal.get(idA)).toEqual({ ...done('fingerprint-a'), at: 1_000 })
  })

  it('keeps the same key with another fingerprint apart', async () => {
    const journal = await open({ now: () => 1_000 })
    await markDone(journal, idA, 'fingerprint-a')
    expect(await journal.get(idB)).toBeUndefined()
  })

  it('forgets entries after 24 hours', async () => {
    let now = 1_000
    const journal = await open({ now: () => now })
    await markStarted(journal, idA, 'fingerprint-a')
    now += 24 * HOUR
    expect(await journal.get(idA)).toBeUndefined()
  })

  it('beyond its bound, forgets the oldest and then treats unknown ids as possibly started until they would have expired', async () => {
    let now = 1_000
    const journal = await open({ now: () => now, maxEntries: 2 })
    await markStarted(journal, idA, 'fingerprint-a')
    now += 1
    await markDone(journal, idB, 'fingerprint-b')
    now += 1
    await markStarted(journal, idC, 'fingerprint-a')
    expect(await journal.get(idB)).toEqual({ ...done('fingerprint-b'), at: 1_001 })
    // idA was forced out while live: it, and any id the journal does not hold, may have started.
    expect(progressUnknown(await journal.get(idA))).toBe(true)
    expect(progressUnknown(await journal.get(journalId(scope, 'never-seen')))).toBe(true)
    now = 1_000 + 24 * HOUR
    expect(await journal.get(journalId(scope, 'never-seen'))).toBeUndefined()
  })

  it('records which block each resource went into, per document, for a day', async () => {
    let now = 5_000
    const journal = await open({ now: () => now })
    await journal.putTokenUses('doc-1', [{ resourceId: 'res-1', batch: 'batch-a', blockId: 'blk-1', insertedAt: now }])
    expect(await journal.getTokenUse('doc-1', 'res-1')).toEqual({ batch: 'batch-a', blockId: 'blk-1', insertedAt: 5_000 })
    expect(await journal.getTokenUse('doc-2', 'res-1')).toBeUndefined()
    now += 24 * HOUR
    expect(await journal.getTokenUse('doc-1', 'res-1')).toBeUndefined()
  })

  it('says from when on it has remembered', async () => {
    const journal = await open({ now: () => 7_000 })
    expect(journal.since).toBe(7_000)
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
    await markStarted(first, idA, 'fingerprint-a')
    await markDone(first, idB, 'fingerprint-b')
    const second = await openFileInsertionJournal(dir)
    expect((await second.get(idA))?.state).toBe('started')
    expect(await second.get(idB)).toMatchObject({ state: 'done', result })
    expect(await second.get(idC)).toBeUndefined()
  })

  it('writes one small file per entry, named by a hash, never leaving temporary files', async () => {
    const journal = await openFileInsertionJournal(dir)
    await markStarted(journal, idA, 'fingerprint-a')
    await markDone(journal, idA, 'fingerprint-a')
    const names = await entryFiles(dir)
    expect(names).toHaveLength(1)
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([])
    const saved = JSON.parse(await readFile(join(dir, names[0]!), 'utf8'))
    expect(saved).toMatchObject({ id: idA, record: { fingerprint: 'fingerprint-a', state: 'done', result } })
  })

  it('creates the directory, and fails to open where it cannot be one', async () => {
    const nested = join(dir, 'a', 'b')
    const journal = await openFileInsertionJournal(nested)
    await markStarted(journal, idA, 'fingerprint-a')
    expect(await entryFiles(nested)).toHaveLength(1)
    await writeFile(join(dir, 'plain-file'), 'x')
    await expect(openFileInsertionJournal(join(dir, 'plain-file'))).rejects.toThrow()
  })

  it('on open, prunes entries older than 24 hours and leftovers of interrupted writes', async () => {
    const journal = await openFileInsertionJournal(dir)
    await markDone(journal, idA, 'fingerprint-a')
    await markStarted(journal, idB, 'fingerprint-b')
    const [old] = (await entryFiles(dir)).sort()
    const past = new Date(Date.now() - 25 * HOUR)
    // Age one entry's file; add a temp file as a crash between write and rename leaves it.
    await utimes(join(dir, old!), past, past)
    await writeFile(join(dir, `${old}.123.abcd.tmp`), '{"v":1')
    await openFileInsertionJournal(dir)
    const left = (await readdir(dir)).filter((name) => name !== 'journal-since.json')
    expect(left).toHaveLength(1)
    expect(left[0]).not.toBe(old)
  })

  it('treats an unreadable entry as started (the caller checks the document), with a warning, without crashing', async () => {
    const { seen, logger } = warnings()
    const journal = await openFileInsertionJournal(dir, { logger })
    await markDone(journal, idA, 'fingerprint-a')
    await markDone(journal, idB, 'fingerprint-b')
    const [fileA, fileB] = await Promise.all(
      [idA, idB].map(async (id) => {
        const names = await entryFiles(dir)
        for (const name of names) {
          if (JSON.parse(await readFile(join(dir, name), 'utf8')).id === id) return name
        }
        throw new Error('missing file')
      }),
    )
    await writeFile(join(dir, fileA!), '{"v":1,"id":')
    await writeFile(join(dir, fileB!), JSON.stringify({ v: 1, id: idB, fingerprint: 'fingerprint-b', state: 'done', at: 'yesterday' }))

    expect(progressUnknown(await journal.get(idA))).toBe(true)
    expect(progressUnknown(await journal.get(idB))).toBe(true)
    expect(seen).toHaveLength(2)
    expect(seen[0]?.msg).toMatch(/unreadable/)
    // The next finished attempt replaces it.
    await markDone(journal, idA, 'fingerprint-a')
    expect(await journal.get(idA)).toMatchObject({ state: 'done', result })
  })

  it('keeps `since` across a restart; a new directory starts remembering now', async () => {
    let now = 1_000_000
    const first = await openFileInsertionJournal(dir, { now: () => now })
    now += HOUR
    const second = await openFileInsertionJournal(dir, { now: () => now })
    expect(second.since).toBe(first.since)
    expect(first.since).toBe(1_000_000)
  })

  it('still replays a batch recorded by the earlier format, and counts a started one as progress unknown', async () => {
    const journal = await openFileInsertionJournal(dir)
    await markDone(journal, idA, 'fingerprint-a')
    await markDone(journal, idB, 'fingerprint-b')
    const at = Date.now()
    for (const name of await entryFiles(dir)) {
      const entry = JSON.parse(await readFile(join(dir, name), 'utf8')) as { id: string }
      const state = entry.id === idA ? { state: 'done', result } : { state: 'started' }
      await writeFile(join(dir, name), JSON.stringify({ v: 1, id: entry.id, fingerprint: 'f', at, ...state }))
    }
    expect(await journal.get(idA)).toMatchObject({ state: 'done', result })
    expect(progressUnknown(await journal.get(idB))).toBe(true)
  })

  it('remembers across a restart that live entries were forced out', async () => {
    let now = Date.now()
    const first = await openFileInsertionJournal(dir, { now: () => now, maxEntries: 1 })
    await markStarted(first, idA, 'fingerprint-a')
    now += 1
    await markStarted(first, idB, 'fingerprint-b')
    const second = await openFileInsertionJournal(dir, { now: () => now, maxEntries: 1 })
    expect(progressUnknown(await second.get(idA))).toBe(true)
    expect(progressUnknown(await second.get(idC))).toBe(true)
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
