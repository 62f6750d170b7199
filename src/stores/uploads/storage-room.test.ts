/** Room on the device: persistence asked once, a warning above 80 % of the quota, an add that does not fit refused whole. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { useQueueHarness, pdf } from '@testing/uploads-harness'

const queue = useQueueHarness()
let usage = 0
let quota = 0
const persist = vi.fn(() => Promise.resolve(true))

beforeEach(() => {
  localStorage.clear()
  persist.mockClear()
  Object.defineProperty(navigator, 'storage', {
    configurable: true,
    value: { estimate: () => Promise.resolve({ usage, quota }), persist },
  })
})
afterEach(() => {
  Reflect.deleteProperty(navigator, 'storage')
})

it('asks for persistent storage once, says how much room is left above 80 %, and refuses an add that does not fit, whole', async () => {
  quota = 10_000
  usage = 1_000
  const store = await queue.openStore()
  store.addFiles([pdf('a.pdf', 500)])
  await store.prepared()
  expect(store.items).toHaveLength(1)
  expect(store.storageNotice).toBeNull()

  usage = 7_500 // 75 % used; 2 × 600 more would pass 80 %
  store.addFiles([pdf('b.pdf', 600)])
  await store.prepared()
  expect(store.items.map((i) => i.pickedName)).toEqual(['a.pdf', 'b.pdf'])
  expect(store.storageNotice).toEqual({ kind: 'low', left: 1_300 })

  usage = 9_000 // 1 000 left; three files needing 2 × 900 do not fit: none is added
  store.addFiles([pdf('c.pdf', 300), pdf('d.pdf', 300), pdf('e.pdf', 300)])
  await store.prepared()
  expect(store.items.map((i) => i.pickedName)).toEqual(['a.pdf', 'b.pdf'])
  expect(store.storageNotice).toEqual({ kind: 'full', left: 1_000, needed: 1_800 })
  expect(persist).toHaveBeenCalledTimes(1)
})
