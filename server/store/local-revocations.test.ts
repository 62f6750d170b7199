import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalStore } from './local'
import { importLocalRevocations, openFileRevocations, REVOCATIONS_FILE } from './local-revocations'

describe('revocations in DATA_DIR', () => {
  let dir: string
  let clock: number
  const now = () => clock
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doc-attach-revocations-'))
    clock = 1_000_000
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps a sign-out across a reopen until the cookie would have expired', async () => {
    const first = await openFileRevocations(dir, { now })
    await first.revoke('session-a', clock + 60_000)
    expect(await first.isRevoked('session-a')).toBe(true)

    const second = await openFileRevocations(dir, { now })
    expect(await second.isRevoked('session-a')).toBe(true)
    expect(await second.isRevoked('session-b')).toBe(false)
    clock += 60_000
    expect(await second.isRevoked('session-a')).toBe(false)
    const third = await openFileRevocations(dir, { now })
    expect(await third.isRevoked('session-a')).toBe(false)
  })

  it('skips unreadable lines and rewrites the file without expired entries once it has grown', async () => {
    const path = join(dir, REVOCATIONS_FILE)
    const expired = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: `old-${i}`, until: clock - 1 }))
    await writeFile(path, [...expired, 'not json', '{"id":"torn', JSON.stringify({ id: 'live', until: clock + 5000 })].join('\n') + '\n')
    const opened = await openFileRevocations(dir, { now })
    expect(await opened.isRevoked('live')).toBe(true)
    expect(await opened.isRevoked('old-1')).toBe(false)
    expect((await readFile(path, 'utf8')).trim().split('\n')).toEqual([JSON.stringify({ id: 'live', until: clock + 5000 })])
  })

  it('backs the local store, and is imported into a shared store when switching to Redis', async () => {
    const store = createLocalStore({ now, revocations: await openFileRevocations(dir, { now }) })
    await store.revoke('session-a', clock + 60_000)
    await store.revoke('session-gone', clock + 10)
    clock += 20
    const shared = createLocalStore({ now })
    expect(await importLocalRevocations(dir, shared, { now })).toBe(1)
    expect(await shared.isRevoked('session-a')).toBe(true)
    expect(await shared.isRevoked('session-gone')).toBe(false)
  })
})
