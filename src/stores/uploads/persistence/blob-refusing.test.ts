/**
 * An engine that refuses Blobs in IndexedDB (older iOS WebKit: "UnknownError: Error preparing
 * Blob/File data to be stored in object store"). No browser here fails that way by itself, so the
 * object store is made to: every put of a Blob throws that error. What is picked must still
 * survive a reload, stored as bytes.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { loadBlob, loadSource, saveBlob, saveSource } from './idb'
import { createQueueStorage } from './queue-storage'
import { useQueueHarness, pdf, setOnline } from '@testing/uploads-harness'

const queue = useQueueHarness()
let refused = 0

beforeEach(() => {
  refused = 0
  const put = IDBObjectStore.prototype.put
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (value instanceof Blob) {
      refused++
      throw new DOMException('Error preparing Blob/File data to be stored in object store', 'UnknownError')
    }
    return put.call(this, value, key)
  })
})
afterEach(() => vi.restoreAllMocks())

it('stores picks and large prepared files as bytes when the engine refuses Blobs, and reads them back whole', async () => {
  const large = new Blob([new Uint8Array(9 * 1024 * 1024).fill(5)], { type: 'application/pdf' })
  await saveBlob('big', large)
  await saveSource('pick', pdf('site.pdf', 300))
  expect(refused).toBe(2)

  const back = await loadBlob('big')
  expect([back?.size, back?.type]).toEqual([large.size, 'application/pdf'])
  const pick = await loadSource('pick')
  expect([pick?.size, pick?.type]).toEqual([300, 'application/pdf'])
  expect(new TextDecoder().decode(await pick!.slice(0, 20).arrayBuffer())).toContain('site.pdf')
})

it('a page tries a Blob once on such an engine: every later pick and photo goes straight to bytes', async () => {
  const storage = createQueueStorage()
  await storage.saveSource('a', pdf('a.pdf', 300))
  await storage.saveSource('b', pdf('b.pdf', 400))
  await storage.saveBlob('b', new Blob([new Uint8Array(500).fill(9)], { type: 'image/jpeg' }))
  await storage.savePrepared('b', new Blob([new Uint8Array(600)], { type: 'image/jpeg' }))
  expect(refused).toBe(1)

  expect([(await storage.loadSource('a'))?.size, (await storage.loadSource('b'))?.size]).toEqual([300, 400])
  const photo = await storage.loadBlob('b')
  expect([photo?.size, photo?.type]).toEqual([500, 'image/jpeg'])
  expect((await storage.loadPrepared('b'))?.size).toBe(600)
})

it('a queue picked offline on such an engine comes back after a reload and goes in', async () => {
  setOnline(false)
  const first = await queue.openStoreWith([pdf('a.pdf', 400), pdf('b.pdf', 500)])
  first.submit()
  await first.flush()
  first.$dispose()

  setOnline(true)
  const reopened = queue.newStore()
  await reopened.open({ docId: 'docA1', name: 'Site diary', url: 'https://alidocs.dingtalk.com/i/nodes/docA1' })
  await queue.until(() => reopened.done, 'receipt')
  expect(reopened.items.map((i) => [i.pickedName, i.status])).toEqual([
    ['a.pdf', 'inserted'],
    ['b.pdf', 'inserted'],
  ])
  expect(refused).toBeGreaterThan(0)
  expect(queue.uploadCalls().map((c) => (c.body as Blob).size)).toEqual([400, 500])
})
