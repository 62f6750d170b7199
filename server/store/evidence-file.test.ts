import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openFileEvidenceRegistry } from './evidence-file'
import type { EvidenceRegistry } from './evidence-registry'
import { registryContract, sampleRecord } from '../../testing/evidence-registry-contract'

const DAY = 24 * 60 * 60 * 1000

describe('file evidence registry', () => {
  let dir: string
  const open: EvidenceRegistry[] = []
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidence-file-'))
  })
  afterAll(async () => {
    await Promise.all(open.map((r) => r.close()))
    await rm(dir, { recursive: true, force: true })
  })
  let n = 0
  registryContract(async () => {
    const r = await openFileEvidenceRegistry({ path: join(dir, `contract-${n++}.jsonl`), retentionMs: 3650 * DAY })
    open.push(r)
    return r
  })

  it('survives a restart and compacts at start, dropping what expired', async () => {
    const path = join(dir, 'restart.jsonl')
    let now = Date.parse('2026-12-08T00:00:00.000Z')
    const first = await openFileEvidenceRegistry({ path, retentionMs: 10 * DAY, now: () => now })
    await first.reserve(['EEEE-EEEE-EEE1', 'EEEE-EEEE-EEE2'], 'u1', now + 30 * DAY)
    await first.reserve(['EEEE-EEEE-EEE3'], 'u1', now + 1 * DAY)
    await first.register(sampleRecord('EEEE-EEEE-EEE1', { receivedAt: new Date(now).toISOString() }))
    await first.register(sampleRecord('EEEE-EEEE-EEE4', { receivedAt: new Date(now - 9 * DAY).toISOString() }))
    await first.setBlock('EEEE-EEEE-EEE1', 'blk')
    await first.withdraw('EEEE-EEEE-EEE1', { at: new Date(now).toISOString(), by: '张伟' })
    await first.close()
    // A crash mid-append leaves a torn last line: it is skipped, not fatal.
    await appendFile(path, '{"t":"record","rec')
    const linesBefore = (await readFile(path, 'utf8')).trim().split('\n').length

    now += 2 * DAY
    const second = await openFileEvidenceRegistry({ path, retentionMs: 10 * DAY, now: () => now })
    open.push(second)
    expect(await second.find('EEEE-EEEE-EEE1')).toMatchObject({ blockId: 'blk', withdrawn: { by: '张伟' } })
    expect(await second.find('EEEE-EEEE-EEE4')).toBeNull()
    expect(await second.reservation('EEEE-EEEE-EEE2')).toMatchObject({ unionId: 'u1' })
    expect(await second.reservation('EEEE-EEEE-EEE3')).toBeNull()
    const text = await readFile(path, 'utf8')
    expect(text.trim().split('\n').length).toBeLessThan(linesBefore)
    expect(text).not.toContain('EEEE-EEEE-EEE4')
    expect(text).not.toContain('"rec\n')
  })

  it('starts empty when there is no file yet, and keeps writing after a compaction', async () => {
    const path = join(dir, 'fresh', 'evidence.jsonl')
    const r = await openFileEvidenceRegistry({ path, retentionMs: DAY })
    await r.register(sampleRecord('FFFF-FFFF-FFF1', { receivedAt: new Date().toISOString() }))
    await r.close()
    const again = await openFileEvidenceRegistry({ path, retentionMs: DAY })
    open.push(again)
    expect(await again.find('FFFF-FFFF-FFF1')).not.toBeNull()
  })
})
