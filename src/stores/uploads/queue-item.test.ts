import { describe, expect, it } from 'vitest'
import { IllegalTransitionError, newQueueItem, setStatus, type ItemStatus } from './queue-item'

function itemIn(status: ItemStatus) {
  const item = newQueueItem(new File([new Uint8Array(3)], 'IMG_1.jpg', { type: 'image/jpeg' }), false)
  item.status = status
  return item
}

describe('queue item status', () => {
  it('starts as a photo being prepared, named as picked', () => {
    expect(itemIn('preparing')).toMatchObject({ pickedName: 'IMG_1.jpg', kind: 'image', status: 'preparing', originalSize: 3, size: 0 })
  })

  it('walks the happy path, taking the fields that go with each step', () => {
    const item = itemIn('preparing')
    for (const next of ['ready', 'uploading', 'uploaded', 'inserting'] as const) setStatus(item, next)
    setStatus(item, 'inserted', { blockId: 'blk-1' })
    expect(item).toMatchObject({ status: 'inserted', blockId: 'blk-1' })
  })

  it('allows the detours a reload, a retry or renewed tokens take', () => {
    const steps: Array<[ItemStatus, ItemStatus]> = [
      ['uploading', 'ready'],
      ['uploading', 'preparing'],
      ['inserting', 'uploaded'],
      ['uploaded', 'ready'],
      ['failed', 'ready'],
      ['failed', 'inserting'],
      ['failed', 'failed'],
    ]
    for (const [from, to] of steps) {
      const item = itemIn(from)
      setStatus(item, to)
      expect(item.status).toBe(to)
    }
  })

  it('refuses any other step and leaves the item as it was', () => {
    const refused: Array<[ItemStatus, ItemStatus]> = [
      ['inserted', 'ready'],
      ['inserted', 'failed'],
      ['preparing', 'uploading'],
      ['ready', 'inserted'],
      ['uploaded', 'uploading'],
    ]
    for (const [from, to] of refused) {
      const item = itemIn(from)
      expect(() => setStatus(item, to, { error: { code: 'x', retryable: false } })).toThrow(IllegalTransitionError)
      expect([item.status, item.error]).toEqual([from, null])
    }
  })
})
