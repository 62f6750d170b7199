/**
 * The behaviour every evidence registry must have (docs/evidence.md#the-registry), run against the
 * file registry (server/store/evidence-file.test.ts) and PostgreSQL (testing/postgres/evidence-postgres.pg.ts).
 */
import { expect, it } from 'vitest'
import type { EvidenceRegistry, StoredEvidence } from '../server/store/evidence-registry'

export function sampleRecord(code: string, over: Partial<StoredEvidence> = {}): StoredEvidence {
  return {
    code,
    sha256: 'a'.repeat(64),
    receivedAt: '2026-12-08T01:00:00.000Z',
    takenAt: '2026-12-08T09:00:00+08:00',
    takenAtSource: 'exif',
    place: null,
    lines: ['line 1', '拍摄人 李娜'],
    uploader: { unionId: 'union-lina', name: '李娜' },
    docId: 'doc1',
    resourceId: 'res1',
    blockId: null,
    withdrawn: null,
    verifyUrl: `https://x.example/v/${code}`,
    ...over,
  }
}

/** Registers the shared cases; `open` gives a fresh, empty registry. */
export function registryContract(open: () => Promise<EvidenceRegistry>): void {
  it('reserves codes for one person and refuses to reserve a taken code again', async () => {
    const r = await open()
    expect(await r.reserve(['AAAA-AAAA-AAA1', 'AAAA-AAAA-AAA2'], 'u1', 2_000_000_000_000)).toBe(true)
    expect(await r.reservation('AAAA-AAAA-AAA1')).toEqual({ code: 'AAAA-AAAA-AAA1', unionId: 'u1', expiresAt: 2_000_000_000_000 })
    expect(await r.reserve(['AAAA-AAAA-AAA2', 'AAAA-AAAA-AAA3'], 'u2', 2_000_000_000_000)).toBe(false)
    expect(await r.reservation('AAAA-AAAA-AAA3')).toBeNull()
    expect((await r.reservation('AAAA-AAAA-AAA2'))?.unionId).toBe('u1')
  })

  it('registers a code once, atomically, and keeps the first record', async () => {
    const r = await open()
    const results = await Promise.all([
      r.register(sampleRecord('BBBB-BBBB-BBB1', { sha256: '1'.repeat(64) })),
      r.register(sampleRecord('BBBB-BBBB-BBB1', { sha256: '2'.repeat(64) })),
    ])
    expect(results.filter((x) => x.created)).toHaveLength(1)
    const kept = await r.find('BBBB-BBBB-BBB1')
    expect(results.every((x) => x.record.sha256 === kept?.sha256)).toBe(true)
    expect(kept).toEqual(results.find((x) => x.created)?.record)
  })

  it('notes the block once and a withdrawal once', async () => {
    const r = await open()
    await r.register(sampleRecord('CCCC-CCCC-CCC1'))
    await r.setBlock('CCCC-CCCC-CCC1', 'block-1')
    await r.setBlock('CCCC-CCCC-CCC1', 'block-2')
    await r.withdraw('CCCC-CCCC-CCC1', { at: '2026-12-09T00:00:00.000Z', by: '张伟' })
    const again = await r.withdraw('CCCC-CCCC-CCC1', { at: '2026-12-10T00:00:00.000Z', by: '刘洋' })
    expect(again).toMatchObject({ blockId: 'block-1', withdrawn: { at: '2026-12-09T00:00:00.000Z', by: '张伟' } })
    expect(await r.withdraw('CCCC-CCCC-CCC9', { at: '2026-12-09T00:00:00.000Z', by: 'x' })).toBeNull()
  })

  it('lists a document newest first, page by page', async () => {
    const r = await open()
    for (let i = 0; i < 5; i++) {
      await r.register(sampleRecord(`DDDD-DDDD-DDD${i}`, { docId: 'doc-list', receivedAt: `2026-12-0${i + 1}T00:00:00.000Z` }))
    }
    await r.register(sampleRecord('DDDD-DDDD-DDD9', { docId: 'other' }))
    const first = await r.listByDocument('doc-list', 2, null)
    expect(first.items.map((x) => x.code)).toEqual(['DDDD-DDDD-DDD4', 'DDDD-DDDD-DDD3'])
    const second = await r.listByDocument('doc-list', 2, first.next)
    const third = await r.listByDocument('doc-list', 2, second.next)
    expect([...second.items, ...third.items].map((x) => x.code)).toEqual(['DDDD-DDDD-DDD2', 'DDDD-DDDD-DDD1', 'DDDD-DDDD-DDD0'])
    expect(third.next).toBeNull()
  })
}
