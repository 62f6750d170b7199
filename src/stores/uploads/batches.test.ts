/** Several batches waiting at once: their own documents, the order submitted, exactly once, across reloads. */
import { describe, expect, it } from 'vitest'
import { loadQueueState } from './persistence/idb'
import { readSavedQueue } from './persistence/saved-queue'
import { useQueueHarness, DOC, bodyOf, hang, inserted, pdf, setOnline, tokensOf, uploaded } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { newStore, openStoreWith, insertCalls, uploadCalls, until } = queue
const DEFECTS = { docId: 'docD9', name: 'Defects list', url: 'https://alidocs.dingtalk.com/i/nodes/docD9' }

function serveBothDocuments(): void {
  queue.api.on(`POST /documents/${DEFECTS.docId}/resources`, uploaded)
  queue.api.on(`POST /documents/${DEFECTS.docId}/insertions`, inserted)
}
/** a.pdf sent for DOC, then b.pdf sent for DEFECTS: two batches waiting. */
async function twoBatches() {
  const store = await openStoreWith([pdf('a.pdf')])
  store.submit()
  await store.open(DEFECTS)
  store.addFiles([pdf('b.pdf')])
  await store.prepared()
  store.submit()
  return store
}
const names = (store: ReturnType<typeof newStore>) => store.items.map((i) => i.pickedName)
const insertedInto = () => insertCalls().map((c) => [c.path.split('/')[2], tokensOf(c).map((t) => t.split(':')[2])])

describe('uploads store: several batches waiting', () => {
  it('starts a new batch while a submitted one waits offline; each goes into its own document, in the order submitted, once', async () => {
    serveBothDocuments()
    setOnline(false)
    const store = await openStoreWith([pdf('diary-1.pdf'), pdf('diary-2.pdf')])
    store.setCaption(store.items[1]!.id, 'stairwell')
    store.submit()
    expect(store.batch.submitted).toBe(true)

    // The same document again: picking after send starts the next batch.
    store.addFiles([pdf('diary-3.pdf')])
    await store.prepared()
    expect(names(store)).toEqual(['diary-3.pdf'])
    expect(store.waitingBatches.map((b) => b.items.map((i) => i.pickedName))).toEqual([['diary-1.pdf', 'diary-2.pdf']])
    store.setPosition({ where: 'start' })
    store.submit()

    // Another document: the submitted batch waits, a new one starts for it.
    await store.open(DEFECTS)
    expect(store.batch.document).toEqual(DEFECTS)
    store.addFiles([pdf('crack.pdf')])
    await store.prepared()
    store.submit()
    expect(store.waitingBatches).toHaveLength(2)
    expect(store.unfinished).toBe(true)
    expect(uploadCalls()).toHaveLength(0)

    setOnline(true)
    await until(() => store.done && store.waitingBatches.length === 0, 'every batch in')
    expect(insertedInto()).toEqual([
      ['docA1', ['diary-1.pdf', 'diary-2.pdf']],
      ['docA1', ['diary-3.pdf']],
      ['docD9', ['crack.pdf']],
    ])
    expect(bodyOf(insertCalls()[0]!).items[1]?.caption).toBe('stairwell')
    expect(bodyOf(insertCalls()[1]!).position).toEqual({ where: 'start' })
    expect(uploadCalls().map((c) => c.path.split('/')[2])).toEqual(['docA1', 'docA1', 'docA1', 'docD9'])
    expect(store.unfinished).toBe(false)
  })

  it('every waiting batch survives the app being closed and reopened, and goes in once, in order', async () => {
    serveBothDocuments()
    setOnline(false)
    const first = await openStoreWith([pdf('a.pdf')])
    first.submit()
    await first.open(DEFECTS)
    first.addFiles([pdf('b.pdf'), pdf('c.pdf')])
    await first.prepared()
    first.submit()
    await first.open(DOC)
    first.addFiles([pdf('d.pdf')])
    await first.prepared()
    await first.flush()
    first.$dispose() // the app is closed

    const saved = readSavedQueue(await loadQueueState())
    expect(
      saved.kind === 'restored' && saved.queue.batches.map((b) => [b.batch.document?.docId, b.batch.submitted, b.items.length]),
    ).toEqual([
      ['docA1', true, 1],
      ['docD9', true, 2],
      ['docA1', false, 1],
    ])

    // The app is reopened, still without signal: the same batches wait, the unsent one is the composer's.
    const reopened = newStore()
    await reopened.open(DOC)
    expect(names(reopened)).toEqual(['d.pdf'])
    expect(reopened.waitingBatches.map((b) => b.batch.document?.docId)).toEqual(['docA1', 'docD9'])
    expect(reopened.oldestWaiting).toEqual(expect.any(Number))

    setOnline(true)
    reopened.submit()
    await until(() => reopened.done && reopened.waitingBatches.length === 0, 'every batch in')
    expect(insertedInto()).toEqual([
      ['docA1', ['a.pdf']],
      ['docD9', ['b.pdf', 'c.pdf']],
      ['docA1', ['d.pdf']],
    ])
    expect(new Set(uploadCalls().map((c) => c.params.name)).size).toBe(uploadCalls().length)
    expect(queue.api.calls.filter((c) => c.path.endsWith('/insertions'))).toHaveLength(3)
  })

  it('a later batch waits for an earlier one that is still going in, and a batch that failed for good can be dropped', async () => {
    serveBothDocuments()
    queue.api.on(`POST /documents/${DOC.docId}/insertions`, {
      status: 403,
      body: { error: { code: 'forbidden', message: 'no', requestId: 'r' } },
    })
    const store = await twoBatches()
    await until(() => store.waitingBatches[0]?.batch.receipt !== null && store.done, 'both finished')
    // The first failed for good (kept, to retry or drop); the second went in after it had finished.
    expect(store.waitingBatches[0]?.items.map((i) => i.status)).toEqual(['failed'])
    expect(store.items.map((i) => i.status)).toEqual(['inserted'])
    await store.discardBatch(store.waitingBatches[0]!.id)
    expect(store.waitingBatches).toHaveLength(0)
  })
})

describe('uploads store: a webview suspended mid-upload', () => {
  it('on resume, uploads whose connections died are sent again (not counted as failures) and every batch goes in once', async () => {
    serveBothDocuments()
    let calls = 0
    // The first two requests are on the wire when the webview is suspended: they never answer.
    const upload = (request: Parameters<typeof uploaded>[0]) => (++calls <= 2 ? hang() : Promise.resolve(uploaded(request)))
    queue.api.on(`POST /documents/${DOC.docId}/resources`, upload)
    queue.api.on(`POST /documents/${DEFECTS.docId}/resources`, upload)
    const store = await twoBatches()
    await until(() => calls === 2, 'both uploads on the wire')

    store.resume()
    await until(() => store.done && store.waitingBatches.length === 0, 'every batch in')
    expect(insertedInto()).toEqual([
      ['docA1', ['a.pdf']],
      ['docD9', ['b.pdf']],
    ])
    expect(store.items[0]?.attempts).toBe(1)
  })
})
