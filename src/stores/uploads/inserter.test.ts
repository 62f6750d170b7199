import { beforeEach, describe, expect, it, vi } from 'vitest'
import { QUEUE_SETTINGS } from '.'
import { loadQueueState } from './persistence/idb'
import { useQueueHarness, uploaded, inserted, bodyOf, tokensOf, errorReply, settle, photo, pdf, statuses } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { serve, openStore, openStoreWith, uploadCalls, insertCalls, until } = queue

describe('inserter: when the insertion starts', () => {
  it('waits for uploads still running when send is pressed, then inserts', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    serve({ upload: async (call) => (await gate, uploaded(call)) })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'uploading', 'uploading')
    store.submit()
    await settle()
    expect(insertCalls()).toHaveLength(0)
    release()
    await until(() => store.done, 'receipt')
    expect(store.items[0]?.status).toBe('inserted')
  })

  it('send pressed while items are still being prepared inserts all of them once they are up', async () => {
    const store = await openStore()
    store.addFiles([await photo('IMG_1.jpg'), pdf('a.pdf')])
    expect(store.items.map((i) => i.status)).toEqual(['preparing', 'preparing'])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(insertCalls()).toHaveLength(1)
    expect(bodyOf(insertCalls()[0]!).items).toHaveLength(2)
    expect(store.items.map((i) => i.status)).toEqual(['inserted', 'inserted'])
  })

  it('saves the Idempotency-Key and body before the insertion request leaves', async () => {
    let savedAtRequest: unknown = null
    serve({
      insert: async (call) => {
        savedAtRequest = await loadQueueState()
        return inserted(call)
      },
    })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded')
    store.submit()
    await until(() => store.done, 'receipt')
    const key = insertCalls()[0]!.headers['idempotency-key']
    // Also saved: that this key went out, so any later send of it says it is a retry.
    expect(savedAtRequest).toMatchObject({
      batches: [{ batch: { insertion: { idempotencyKey: key, body: bodyOf(insertCalls()[0]!), sentOnce: true } } }],
    })
    expect(insertCalls()[0]!.headers['idempotency-retry']).toBeUndefined()
  })
})

describe('inserter: failures', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
  })

  it('retries a 503 with the same key marked Idempotency-Retry: true, and on giving up shows what went in and what did not; retry finishes it', async () => {
    QUEUE_SETTINGS.maxAttempts = 2
    serve({
      insert: (call) => {
        const items = bodyOf(call).items
        const ids = items.map((it) => it.resourceToken.split(':')[1]!)
        return errorReply(503, 'dingtalk_unavailable', {
          details: { blocks: [{ blockId: 'blk-0', resourceId: ids[0] }], pendingResourceIds: ids.slice(1) },
        })
      },
    })
    const store = await openStoreWith([pdf('a.pdf'), pdf('b.pdf')])
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'uploaded')
    store.submit()
    await until(() => insertCalls().length === 1, 'first insertion')
    await settle()
    expect(store.items.map((i) => i.status)).toEqual(['inserted', 'inserting'])
    await vi.advanceTimersByTimeAsync(1_000)
    await until(() => store.done, 'receipt')
    expect(insertCalls()).toHaveLength(2)
    const keys = insertCalls().map((c) => c.headers['idempotency-key'])
    expect(keys[1]).toBe(keys[0])
    expect(insertCalls().map((c) => c.headers['idempotency-retry'] ?? null)).toEqual([null, 'true'])
    expect(store.items.map((i) => [i.name, i.status, i.error?.code])).toEqual([
      ['a.pdf', 'inserted', undefined],
      ['b.pdf', 'failed', 'dingtalk_unavailable'],
    ])

    serve()
    store.retryFailed()
    await until(() => store.done && store.items.every((i) => i.status === 'inserted'), 'all inserted')
    expect(insertCalls()).toHaveLength(3)
    expect(insertCalls()[2]!.headers['idempotency-key']).toBe(keys[0])
    expect(insertCalls()[2]!.headers['idempotency-retry']).toBe('true')
    expect(insertCalls()[2]!.body).toEqual(insertCalls()[0]!.body)
  })

  it('stale resource tokens (resource_invalid) are replaced once by uploading again, under a new key', async () => {
    let n = 0
    serve({ insert: (call) => (++n === 1 ? errorReply(400, 'resource_invalid') : inserted(call)) })
    const store = await openStore()
    store.addFiles([pdf('a.pdf'), pdf('b.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(uploadCalls()).toHaveLength(4)
    expect(insertCalls()).toHaveLength(2)
    const [first, second] = insertCalls()
    expect(second!.headers['idempotency-key']).not.toBe(first!.headers['idempotency-key'])
    // A new key is a first attempt again.
    expect(second!.headers['idempotency-retry']).toBeUndefined()
    expect(bodyOf(second!).items).not.toEqual(bodyOf(first!).items)
    expect(store.items.map((i) => i.status)).toEqual(['inserted', 'inserted'])
  })

  it('a second resource_invalid ends in the receipt with the reason', async () => {
    serve({ insert: () => errorReply(400, 'resource_invalid') })
    const store = await openStore()
    store.addFiles([pdf('a.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(insertCalls()).toHaveLength(2)
    expect(store.items[0]).toMatchObject({ status: 'failed', error: { code: 'resource_invalid' } })
  })

  it('an item whose upload failed for good is reported, and retrying it inserts it after the others with a new key', async () => {
    serve({ upload: (call) => (call.params.name === 'b.pdf' ? errorReply(403, 'forbidden') : uploaded(call)) })
    const store = await openStoreWith([pdf('a.pdf'), pdf('b.pdf')])
    await until(() => store.items[1]?.status === 'failed' && store.items[0]?.status === 'uploaded', 'a uploaded, b failed')
    store.submit()
    await until(() => store.done, 'receipt')
    expect(statuses(store.items)).toEqual(['a.pdf:inserted', 'b.pdf:failed'])

    serve()
    store.retryFailed()
    await until(() => store.done && store.items[1]?.status === 'inserted', 'b inserted')
    const [firstCall, secondCall] = insertCalls()
    expect(secondCall!.headers['idempotency-key']).not.toBe(firstCall!.headers['idempotency-key'])
    expect(bodyOf(secondCall!).position).toEqual({ where: 'after', blockId: store.items[0]!.blockId })
  })
})

describe('inserter: answers that need the person', () => {
  const resourceIds = (call: Parameters<typeof tokensOf>[0]) => tokensOf(call).map((token) => token.split(':')[1])

  it('an item already in the document (409 resource_used) is shown as in, and the rest go in under a new key', async () => {
    let n = 0
    serve({
      insert: (call) =>
        ++n === 1
          ? errorReply(409, 'resource_used', {
              details: { blockId: 'blk-old', insertedAt: '2026-01-01T00:00:00.000Z', resourceId: resourceIds(call)[0] },
            })
          : inserted(call),
    })
    const store = await openStore()
    store.addFiles([pdf('a.pdf'), pdf('b.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(store.items.map((i) => [i.name, i.status, i.blockId])).toEqual([
      ['a.pdf', 'inserted', 'blk-old'],
      ['b.pdf', 'inserted', 'blk-0'],
    ])
    const [first, second] = insertCalls()
    expect(second!.headers['idempotency-key']).not.toBe(first!.headers['idempotency-key'])
    expect(bodyOf(second!).items).toHaveLength(1)
    expect(bodyOf(second!).position).toEqual({ where: 'after', blockId: 'blk-old' })
    expect(uploadCalls()).toHaveLength(2)
  })

  it('409 insertion_uncertain asks about the items that may be in; "retry failed items" sends them as a new batch', async () => {
    let n = 0
    serve({
      insert: (call) => {
        if (++n > 1) return inserted(call)
        const ids = resourceIds(call)
        return errorReply(409, 'insertion_uncertain', {
          details: { blocks: [{ blockId: 'blk-a', resourceId: ids[0] }], uncertainResourceIds: [ids[1]], pendingResourceIds: [ids[2]] },
        })
      },
    })
    const store = await openStore()
    store.addFiles([pdf('a.pdf'), pdf('b.pdf'), pdf('c.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(insertCalls()).toHaveLength(1)
    expect(store.items.map((i) => [i.name, i.status, i.error?.code])).toEqual([
      ['a.pdf', 'inserted', undefined],
      ['b.pdf', 'failed', 'insertion_uncertain'],
      ['c.pdf', 'failed', 'not_inserted'],
    ])

    store.retryFailed()
    await until(() => store.done && store.items.every((i) => i.status === 'inserted'), 'all inserted')
    const [first, second] = insertCalls()
    expect(second!.headers['idempotency-key']).not.toBe(first!.headers['idempotency-key'])
    expect(bodyOf(second!).items).toHaveLength(2)
    expect(bodyOf(second!).position).toEqual({ where: 'after', blockId: 'blk-a' })
  })
})
