import { describe, expect, it } from 'vitest'
import type { StoredBlock } from '../../dingtalk/types'
import { locate, outward, type LocatedStep } from './insertion-locate'
import type { Match } from './insertion-plan'

/** A block as DingTalk's documented answers show it: an id and a type, text only for text blocks. */
const empty = (id: string): StoredBlock => ({ id, index: 0, blockType: 'paragraph', paragraph: { text: '' } })
const text = (id: string, words: string): StoredBlock => ({ id, index: 0, blockType: 'paragraph', paragraph: { text: words } })
/** A photo step that cannot be recognised by content: any empty paragraph may be it. */
const photo = (known: string | null = null): LocatedStep => ({
  known,
  match: (b): Match => (b.blockType === 'paragraph' && !b.paragraph?.text ? 'maybe' : 'no'),
})
/** A photo step whose block shows its picture (rich answers): only `ownId` is it. */
const shownPhoto = (ownId: string): LocatedStep => ({ known: null, match: (b): Match => (b.id === ownId ? 'yes' : 'no') })

describe('outward', () => {
  const doc = ['a', 'b', 'c', 'd'].map(empty)
  it('reads away from the reference, nearest first', () => {
    expect(outward(doc, { kind: 'end' })?.map((b) => b.id)).toEqual(['d', 'c', 'b', 'a'])
    expect(outward(doc, { kind: 'start' })?.map((b) => b.id)).toEqual(['a', 'b', 'c', 'd'])
    expect(outward(doc, { kind: 'before', blockId: 'c' })?.map((b) => b.id)).toEqual(['b', 'a'])
    expect(outward(doc, { kind: 'after', blockId: 'b' })?.map((b) => b.id)).toEqual(['c', 'd'])
    expect(outward(doc, { kind: 'after', blockId: 'gone' })).toBeNull()
  })
})

describe('locate', () => {
  it('a lost answer: in when one new block sits between the reference and the previous step, out when none', () => {
    const steps = [photo('ours-1'), photo()]
    expect(locate({ outward: [empty('new'), empty('ours-1')], steps, candidates: [1, 2], far: 'x' }).settled).toEqual({
      n: 2,
      ids: ['ours-1', 'new'],
    })
    expect(locate({ outward: [empty('ours-1'), text('x', 'old')], steps, candidates: [1, 2], far: 'x' }).settled).toEqual({
      n: 1,
      ids: ['ours-1'],
    })
  })

  it("someone else's line of text at the spot does not confuse it; two look-alike new blocks for one step do", () => {
    const steps = [photo('ours-1'), photo()]
    const withText = locate({ outward: [text('t', '会议纪要'), empty('new'), empty('ours-1')], steps, candidates: [1, 2], far: undefined })
    expect(withText.settled).toEqual({ n: 2, ids: ['ours-1', 'new'] })
    const twoEmpty = locate({ outward: [empty('e'), empty('new'), empty('ours-1')], steps, candidates: [1, 2], far: undefined })
    expect(twoEmpty.settled).toBeNull()
    expect(twoEmpty.consistent).toEqual([1, 2])
  })

  it('bare answers: learns every block id from what appeared since the block that was there before', () => {
    const steps = [photo(), photo(), photo()]
    const near = [empty('n3'), empty('n2'), empty('n1'), text('far', 'before')]
    expect(locate({ outward: near, steps, candidates: [3], far: 'far' }).settled).toEqual({ n: 3, ids: ['n1', 'n2', 'n3'] })
    // At the edge of the document (nothing was there), everything on that side is new.
    expect(locate({ outward: near.slice(0, 3), steps, candidates: [3], far: null }).settled?.ids).toEqual(['n1', 'n2', 'n3'])
  })

  it('without an anchor, look-alike blocks are a question, while a shown photo settles it', () => {
    const lost = locate({ outward: [empty('a'), empty('b')], steps: [photo(), photo()], candidates: [0, 1, 2], far: undefined })
    expect(lost.settled).toBeNull()
    const shown = locate({
      outward: [empty('ours'), text('x', 'old')],
      steps: [shownPhoto('ours'), shownPhoto('never')],
      candidates: [0, 1, 2],
      far: undefined,
    })
    expect(shown.settled).toEqual({ n: 1, ids: ['ours'] })
    // Our photo beyond the blocks claimed is a contradiction: not "nothing is in".
    const notZero = locate({ outward: [empty('ours')], steps: [shownPhoto('ours')], candidates: [0, 1], far: undefined })
    expect(notZero.settled?.n).toBe(1)
  })

  it('a block of ours that is gone leaves nothing to read by', () => {
    const gone = locate({ outward: [empty('x')], steps: [photo('ours-1'), photo()], candidates: [1, 2], far: 'far' })
    expect(gone.settled).toBeNull()
  })
})
