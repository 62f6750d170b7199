/** The store as the page uses it: the whole flow, switching documents, owners, and forgetting a batch. */
import { describe, expect, it } from 'vitest'
import exifr from 'exifr'
import { loadQueueState, stateKey } from './persistence/idb'
import { useQueueHarness, DOC, bodyOf, hang, photo, pdf, statuses } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { serve, openStoreWith, newStore, uploadCalls, insertCalls, until } = queue

describe('uploads store: pick → prepare → upload → insert', () => {
  it('uploads prepared items with explicit names and inserts them once, in the order shown, with captions', async () => {
    const store = await openStoreWith([await photo('IMG_1.jpg'), pdf('plan.pdf'), await photo('')])
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'all uploaded')

    // The photo left the device without GPS but still upright (orientation kept).
    const photoUpload = uploadCalls().find((c) => c.params.name === 'IMG_1.jpg')
    expect(photoUpload?.headers['content-type']).toBe('image/jpeg')
    const tags = await exifr.parse(new Uint8Array(await (photoUpload?.body as Blob).arrayBuffer()), { gps: true, translateValues: false })
    expect(tags).toEqual({ Orientation: 6 })
    expect(
      uploadCalls()
        .map((c) => c.params.name)
        .sort(),
    ).toEqual(['IMG_1.jpg', 'photo.jpg', 'plan.pdf'])
    expect(store.items[0]?.notice).toBe('not_compressed')

    const [first, second, third] = store.items
    store.setCaption(second!.id, '  floor plan  ')
    store.move(third!.id, -1) // order: IMG_1, photo, plan
    expect(insertCalls()).toHaveLength(0) // nothing goes in before send

    store.submit()
    await until(() => store.done, 'receipt')
    expect(insertCalls()).toHaveLength(1)
    const call = insertCalls()[0]!
    expect(call.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/)
    const body = bodyOf(call)
    expect(body).toEqual({
      items: [
        { resourceToken: first!.resource!.resourceToken },
        { resourceToken: third!.resource!.resourceToken },
        { resourceToken: second!.resource!.resourceToken, caption: 'floor plan' },
      ],
      position: { where: 'end' },
      layout: 'separate',
    })
    expect(statuses(store.items)).toEqual(['IMG_1.jpg:inserted', 'photo.jpg:inserted', 'plan.pdf:inserted'])
    expect(store.batch.receipt).toEqual({ documentUrl: DOC.url })
  })
})

describe('uploads store: switching documents', () => {
  const OTHER = { docId: 'docB2', name: 'Meeting notes', url: 'https://alidocs.dingtalk.com/i/nodes/docB2' }

  it('keeps unfinished items bound to their document, and moves on once a batch went in cleanly', async () => {
    serve({ upload: () => hang() })
    const store = await openStoreWith([pdf('a.pdf')])
    await store.open(OTHER)
    expect(store.targetsOther(OTHER.docId)).toBe(true)
    expect(store.batch.document).toEqual(DOC)

    await store.discard(OTHER)
    expect(store.items).toHaveLength(0)
    expect(store.batch.document).toEqual(OTHER)

    serve()
    await store.open(DOC)
    store.addFiles([pdf('b.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    await store.open(OTHER)
    expect(store.targetsOther(OTHER.docId)).toBe(false)
    expect(store.done).toBe(false)
    expect(store.batch.document).toEqual(OTHER)
  })
})

describe('uploads store: who the queue belongs to, and forgetting it', () => {
  it('a queue saved by one person is never shown to another who signs in on the same device', async () => {
    serve({ upload: () => hang() })
    const lina = newStore()
    await lina.open(DOC, 'lina')
    lina.addFiles([pdf('private.pdf')])
    await lina.prepared()
    await until(() => lina.items[0]?.status === 'uploading', 'uploading')

    // Same page, someone else signs in: the in-memory queue goes.
    await lina.open(DOC, 'zhang')
    expect(lina.items).toHaveLength(0)

    // After a reload too: each person's queue is saved as theirs, and never shown to another.
    lina.addFiles([pdf('zhang.pdf')])
    await lina.prepared()
    await lina.flush()
    const other = newStore()
    await other.open(DOC, 'wang')
    expect(other.items).toHaveLength(0)
    await other.flush()
    expect(await loadQueueState(stateKey('wang'))).toMatchObject({ owner: 'wang', batches: [{ items: [] }] })
    expect(await loadQueueState(stateKey('zhang'))).toMatchObject({ owner: 'zhang', batches: [{ items: [{ pickedName: 'zhang.pdf' }] }] })
    const zhangAgain = newStore()
    await zhangAgain.open(DOC, 'zhang')
    expect(zhangAgain.items.map((i) => i.pickedName)).toEqual(['zhang.pdf'])
  })

  it('"attach more" forgets the finished batch, also in IndexedDB', async () => {
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded')
    store.submit()
    await until(() => store.done, 'receipt')
    await store.acknowledge()
    expect(store.items).toHaveLength(0)
    expect(store.done).toBe(false)
    expect(await loadQueueState()).toMatchObject({ batches: [{ items: [], batch: { receipt: null, insertion: null, document: DOC } }] })
    const fresh = newStore()
    await fresh.restore()
    expect(fresh.items).toHaveLength(0)
  })
})
