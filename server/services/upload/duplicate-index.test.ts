import { describe, expect, it } from 'vitest'
import { createMemoryDuplicateIndex, findDuplicate, type DuplicateLookup } from './duplicate-index'

const DAY = 24 * 60 * 60 * 1000
const SHA = 'e'.repeat(64)

describe('findDuplicate (the duplicateOf of an upload answer)', () => {
  it('names the block and time of the latest insertion of the same content within the window', async () => {
    const now = Date.UTC(2026, 11, 1, 6, 3)
    const index = createMemoryDuplicateIndex({ windowMs: 30 * DAY, now: () => now })
    await index.record([{ docId: 'doc', sha256: SHA, blockId: 'blk-7', insertedAt: now - DAY }])
    expect(await findDuplicate(index, 'doc', SHA, now)).toEqual({ blockId: 'blk-7', insertedAt: '2026-11-30T06:03:00.000Z' })
    expect(await findDuplicate(index, 'doc', SHA, now + 30 * DAY)).toBeNull()
  })

  it('answers null instead of failing the finished upload when the shared store cannot be asked', async () => {
    const unreachable: DuplicateLookup = {
      windowMs: 30 * DAY,
      find: () => Promise.reject(new Error('redis away')),
    }
    expect(await findDuplicate(unreachable, 'doc', SHA, Date.now())).toBeNull()
  })
})
