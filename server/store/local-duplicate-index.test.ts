import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DUPLICATES_FILE, openFileDuplicateIndex } from './local-duplicate-index'

const DAY = 24 * 60 * 60 * 1000
const WINDOW = 30 * DAY
const sha = (c: string) => c.repeat(64)

describe('duplicate index kept in DATA_DIR (one process)', () => {
  let dir: string
  let now: number
  const open = () => openFileDuplicateIndex(dir, { windowMs: WINDOW, now: () => now })

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doc-attach-dups-'))
    now = Date.UTC(2026, 11, 1)
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('still knows after a restart what went into each document', async () => {
    const before = await open()
    await before.record([
      { docId: 'doc-a', sha256: sha('a'), blockId: 'blk-1', insertedAt: now - 1000 },
      { docId: 'doc-b', sha256: sha('b'), blockId: 'blk-2', insertedAt: now - 500 },
    ])
    const after = await open()
    expect(await after.find('doc-a', sha('a'), now - WINDOW)).toMatchObject({ blockId: 'blk-1', insertedAt: now - 1000 })
    expect(await after.find('doc-a', sha('b'), now - WINDOW)).toBeNull()
    expect(await after.find('doc-b', sha('b'), now - WINDOW)).toMatchObject({ blockId: 'blk-2' })
  })

  it('forgets insertions older than the window and skips lines it cannot read', async () => {
    const index = await open()
    await index.record([{ docId: 'doc-a', sha256: sha('a'), blockId: 'blk-old', insertedAt: now }])
    await writeFile(join(dir, DUPLICATES_FILE), '{"torn line\n', { flag: 'a' })
    now += WINDOW + DAY
    const later = await open()
    expect(await later.find('doc-a', sha('a'), 0)).toBeNull()
    await later.record([{ docId: 'doc-a', sha256: sha('a'), blockId: 'blk-new', insertedAt: now }])
    expect(await (await open()).find('doc-a', sha('a'), now - WINDOW)).toMatchObject({ blockId: 'blk-new' })
  })

  it('rewrites its file without expired entries once it has grown, so the file stays bounded', async () => {
    const index = await open()
    for (let i = 0; i < 1200; i++) {
      await index.record([{ docId: 'doc-a', sha256: sha((i % 16).toString(16)), blockId: `blk-${i}`, insertedAt: now }])
    }
    const lines = (await readFile(join(dir, DUPLICATES_FILE), 'utf8')).trim().split('\n')
    // 16 contents are live; the file was rewritten instead of holding all 1200 appends.
    expect(lines.length).toBeLessThan(1200)
    const reopened = await open()
    expect(await reopened.find('doc-a', sha('f'), now - WINDOW)).toMatchObject({ blockId: 'blk-1199' })
  })
})
