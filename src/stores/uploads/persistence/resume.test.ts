import { describe, expect, it } from 'vitest'
import exifr from 'exifr'
import { EncodeUnavailableError } from '@/media/canvas-encode'
import { QUEUE_SETTINGS } from '..'
import { loadSource } from './idb'
import { useQueueHarness, uploaded, bodyOf, hang, settle, photo, pdf, statuses } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { serve, openStore, uploadCalls, insertCalls, until } = queue

describe('after a reload', () => {
  it('after a reload: uploaded items are not sent again, an interrupted upload restarts, and the insertion reuses its key', async () => {
    // Page 1: a.pdf uploads, b.pdf's upload never finishes, then the page dies.
    serve({ upload: (call) => (call.params.name === 'b.pdf' ? hang() : uploaded(call)) })
    const page1 = await openStore()
    page1.addFiles([pdf('a.pdf'), pdf('b.pdf')])
    page1.setCaption(page1.items[0]!.id, 'first')
    await page1.prepared()
    await until(() => page1.items[0]?.status === 'uploaded' && page1.items[1]?.status === 'uploading', 'a uploaded, b uploading')
    page1.submit()
    await settle()
    const aToken = page1.items[0]!.resource!.resourceToken

    // Page 2 starts from IndexedDB only.
    queue.api.calls.length = 0
    serve()
    const page2 = await openStore()
    await until(() => page2.done, 'receipt on page 2')
    expect(uploadCalls().map((c) => c.params.name)).toEqual(['b.pdf'])
    const body = bodyOf(insertCalls()[0]!)
    expect(body.items[0]).toEqual({ resourceToken: aToken, caption: 'first' })
    expect(statuses(page2.items)).toEqual(['a.pdf:inserted', 'b.pdf:inserted'])
  })

  it('after a reload: picks still waiting to be prepared are prepared again from their saved copies', async () => {
    QUEUE_SETTINGS.preparations = 2
    const page1 = await openStore()
    // Page 1 prepares the first photo, then hangs on the next two (a slow phone), with a PDF queued behind.
    let encodes = 0
    page1.prepareDeps.encoder = {
      encode: () => (++encodes === 1 ? Promise.reject(new EncodeUnavailableError('no canvas')) : new Promise(() => undefined)),
    }
    page1.addFiles([await photo('IMG_1.jpg'), await photo('IMG_2.jpg'), await photo('IMG_3.jpg'), pdf('c.pdf')])
    page1.submit()
    await until(() => page1.items[0]?.status === 'uploaded', 'first photo uploaded')
    // Two preparations hang, so the PDF never gets a slot.
    expect(page1.items.map((i) => i.status)).toEqual(['uploaded', 'preparing', 'preparing', 'preparing'])
    for (let i = 0; i < 200 && !(await loadSource(page1.items[3]!.id)); i++) await settle(1)

    queue.api.calls.length = 0
    const page2 = await openStore()
    await until(() => page2.done, 'receipt on page 2')
    expect(statuses(page2.items)).toEqual(['IMG_1.jpg:inserted', 'IMG_2.jpg:inserted', 'IMG_3.jpg:inserted', 'c.pdf:inserted'])
    expect(
      uploadCalls()
        .map((c) => c.params.name)
        .sort(),
    ).toEqual(['IMG_2.jpg', 'IMG_3.jpg', 'c.pdf'])
    // The photos prepared on page 2 still left without their location.
    for (const call of uploadCalls().filter((c) => c.params.name !== 'c.pdf')) {
      const tags = await exifr.parse(new Uint8Array(await (call.body as Blob).arrayBuffer()), { gps: true, translateValues: false })
      expect(tags).toEqual({ Orientation: 6 })
    }
    // Saved picks are dropped once prepared.
    await settle()
    expect(await loadSource(page2.items[3]!.id)).toBeNull()
  })

  it('after a reload during the insertion request: the same key and body are sent again, marked Idempotency-Retry: true', async () => {
    serve({ insert: () => hang() })
    const page1 = await openStore()
    page1.addFiles([pdf('a.pdf'), pdf('b.pdf')])
    await page1.prepared()
    await until(() => page1.items.every((i) => i.status === 'uploaded'), 'uploaded')
    page1.submit()
    await until(() => insertCalls().length === 1, 'insertion sent')
    const first = insertCalls()[0]!
    expect(first.headers['idempotency-retry']).toBeUndefined()

    queue.api.calls.length = 0
    serve()
    const page2 = await openStore()
    await until(() => page2.done, 'receipt on page 2')
    expect(uploadCalls()).toHaveLength(0)
    expect(insertCalls()).toHaveLength(1)
    expect(insertCalls()[0]!.headers['idempotency-key']).toBe(first.headers['idempotency-key'])
    expect(insertCalls()[0]!.body).toEqual(first.body)
    // The server may have lost its record of the first send (a restart on a fresh disk): the client says so.
    expect(insertCalls()[0]!.headers['idempotency-retry']).toBe('true')
    expect(page2.items.map((i) => i.status)).toEqual(['inserted', 'inserted'])
  })
})
