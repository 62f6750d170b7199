/** The editor's model: undo/redo, marks as data, where a point falls, pixelate tiles. */
import { describe, expect, it } from 'vitest'
import { MarkSchema, movedMark, sameMarks, type Mark } from '@/media/marks'
import { commit, redo, startHistory, undo } from './history'
import { fitPhoto, markAt, normalisedPoint } from './geometry'
import { tileSize } from '@/media/draw-marks'

const mark = (id: string, points = [0.1, 0.1, 0.3, 0.3]): Mark => ({ id, tool: 'rect', colour: '#e53935', width: 'thin', points })

describe('markup history', () => {
  it('undoes and redoes changes in order, and a new change drops what was undone', () => {
    let h = startHistory([])
    h = commit(h, [mark('a')])
    h = commit(h, [mark('a'), mark('b')])
    h = undo(h)
    expect(h.present.map((m) => m.id)).toEqual(['a'])
    h = undo(h)
    expect(h.present).toEqual([])
    expect(undo(h)).toBe(h)
    h = redo(h)
    expect(h.present.map((m) => m.id)).toEqual(['a'])
    h = commit(h, [mark('c')])
    expect(redo(h)).toBe(h)
    expect(undo(h).present.map((m) => m.id)).toEqual(['a'])
  })

  it('starts from the marks the item already has (editable again)', () => {
    const h = undo(startHistory([mark('saved')]))
    expect(h.present.map((m) => m.id)).toEqual(['saved'])
  })
})

describe('marks data', () => {
  it('moves a mark by normalised offsets and compares lists by content', () => {
    const moved = movedMark(mark('a'), 0.1, 0.2)
    expect(moved.points.map((v) => Math.round(v * 100) / 100)).toEqual([0.2, 0.3, 0.4, 0.5])
    expect(sameMarks([mark('a')], [mark('a')])).toBe(true)
    expect(sameMarks([mark('a')], [moved])).toBe(false)
  })

  it('accepts only well-formed marks from storage', () => {
    expect(MarkSchema.safeParse(mark('a')).success).toBe(true)
    expect(MarkSchema.safeParse({ ...mark('a'), tool: 'laser' }).success).toBe(false)
    expect(MarkSchema.safeParse({ ...mark('a'), colour: 'red' }).success).toBe(false)
  })
})

describe('markup geometry', () => {
  it('fits the photo inside the stage, keeping its shape', () => {
    expect(fitPhoto({ width: 2560, height: 1920 }, { width: 390, height: 600 })).toEqual({ width: 390, height: 292 })
    expect(fitPhoto({ width: 1920, height: 2560 }, { width: 1200, height: 600 })).toEqual({ width: 450, height: 600 })
  })

  it('turns a client position into a point of the photo and finds the mark under it', () => {
    expect(normalisedPoint({ left: 10, top: 20, width: 200, height: 100 }, 60, 70)).toEqual({ x: 0.25, y: 0.5 })
    expect(normalisedPoint({ left: 10, top: 20, width: 200, height: 100 }, 0, 500)).toEqual({ x: 0, y: 1 })
    const marks = [mark('under'), mark('top', [0.2, 0.2, 0.5, 0.5])]
    expect(markAt(marks, 0.25, 0.25)?.id).toBe('top')
    expect(markAt(marks, 0.12, 0.12)?.id).toBe('under')
    expect(markAt(marks, 0.9, 0.9)).toBeNull()
  })
})

describe('pixelate tiles', () => {
  it('are multiples of 16 px at full size (one flat JPEG block each) and a few px on a preview', () => {
    expect(tileSize(2560, 1920)).toBe(48)
    expect(tileSize(1024, 768)).toBe(16)
    expect(tileSize(390, 292)).toBe(8)
  })
})
