import { describe, expect, it } from 'vitest'
import { sameContentAs } from './same-content'

describe('sameContentAs', () => {
  it('flags a later pick with the same bytes, naming the first', () => {
    const repeats = sameContentAs([
      { id: 'a', sha256: 'aaa' },
      { id: 'b', sha256: 'bbb' },
      { id: 'c', sha256: 'aaa' },
      { id: 'd', sha256: 'aaa' },
    ])
    expect([...repeats]).toEqual([
      ['c', 'a'],
      ['d', 'a'],
    ])
  })

  it('leaves copies kept on purpose and items not hashed yet alone', () => {
    const repeats = sameContentAs([
      { id: 'a', sha256: 'aaa' },
      { id: 'b', sha256: 'aaa', keepDuplicate: true },
      { id: 'c', sha256: null },
      { id: 'd', sha256: null },
    ])
    expect(repeats.size).toBe(0)
  })
})
