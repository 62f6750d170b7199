import { beforeEach, expect, it } from 'vitest'
import { clearQueue, deleteBlob, loadBlob, loadQueueState, saveBlob, saveQueueState } from './idb'

beforeEach(() => clearQueue())

it('keeps the queue state and the prepared bytes, small and large, with their type', async () => {
  const small = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' })
  const large = new Blob([new Uint8Array(9 * 1024 * 1024).fill(7)], { type: 'application/pdf' })
  await saveQueueState({ version: 1, items: [{ id: 'a' }] })
  await saveBlob('a', small)
  await saveBlob('b', large)

  expect(await loadQueueState()).toEqual({ version: 1, items: [{ id: 'a' }] })
  const a = await loadBlob('a')
  expect(a?.type).toBe('image/jpeg')
  expect(new Uint8Array(await a!.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]))
  const b = await loadBlob('b')
  expect([b?.size, b?.type]).toEqual([large.size, 'application/pdf'])
  expect(new Uint8Array(await b!.slice(-2).arrayBuffer())).toEqual(new Uint8Array([7, 7]))

  await deleteBlob('a')
  expect(await loadBlob('a')).toBeNull()
  await clearQueue()
  expect(await loadQueueState()).toBeNull()
  expect(await loadBlob('b')).toBeNull()
})
