import { describe, expect, it, vi } from 'vitest'
import { EncodeUnavailableError } from '@/media/canvas-encode'
import { CURRENT_VERSION, readSavedQueue } from './saved-queue'
import { loadBlob, loadQueueState, saveBlob, saveQueueState, saveSource, stateKey } from './idb'
import { useQueueHarness, DOC, bodyOf, photo, pdf } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { openStore, newStore, uploadCalls, insertCalls, until } = queue

const RESOURCE = {
  resourceId: 'res-old-1',
  resourceUrl: 'https://emu/res-old-1',
  resourceToken: 'tok:res-old-1:IMG_0001.jpg',
  name: 'IMG_0001.jpg',
  mediaType: 'image/jpeg',
  size: 120,
  kind: 'image',
} as const

/** An item exactly as version 1 of the app saved it (every field of its QueueItem). */
function v1Item(id: string, name: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    pickedName: name,
    name,
    kind: 'image',
    mediaType: 'image/jpeg',
    size: status === 'preparing' ? 0 : 120,
    originalSize: 2_400_000,
    caption: '',
    original: false,
    status,
    progress: 0,
    error: null,
    notice: null,
    resource: null,
    attempts: 0,
    blockId: null,
    ...extra,
  }
}

/**
 * A queue saved by version 1 (the first release) while a person was attaching five photos: one
 * uploaded, one on the wire, one waiting for the uplink, one still being prepared, one over the
 * batch limit. Send was already pressed. Copied from what that version's persist() wrote.
 */
function savedByVersion1() {
  return {
    version: 1,
    owner: 'lina',
    items: [
      v1Item('id-1', 'IMG_0001.jpg', 'uploaded', {
        resource: RESOURCE,
        progress: 1,
        attempts: 1,
        caption: 'north wall',
        notice: 'not_compressed',
      }),
      v1Item('id-2', 'IMG_0002.jpg', 'uploading', { progress: 0.4, attempts: 2 }),
      v1Item('id-3', 'IMG_0003.jpg', 'ready'),
      v1Item('id-4', 'IMG_0004.jpg', 'preparing'),
      v1Item('id-5', 'IMG_0005.jpg', 'failed', { error: { code: 'too_many', params: { max: 4 }, retryable: false } }),
    ],
    batch: {
      document: DOC,
      position: { where: 'end' },
      layout: 'separate',
      submitted: true,
      insertion: null,
      receipt: null,
      tokensRenewed: false,
    },
    original: false,
  }
}

const prepared = (n: number) => new Blob([new Uint8Array(120).fill(n)], { type: 'image/jpeg' })

describe('saved queue format', () => {
  it('migrates version 1 to the current version; an insertion saved without sentOnce counts as sent', () => {
    const record = savedByVersion1()
    const insertion = { idempotencyKey: 'key-1', body: { items: [{ resourceToken: RESOURCE.resourceToken }] }, itemIds: ['id-1'] }
    const reading = readSavedQueue({ ...record, batch: { ...record.batch, insertion } })
    expect(reading).toMatchObject({ kind: 'restored', fromVersion: 1, queue: { version: CURRENT_VERSION, owner: 'lina' } })
    if (reading.kind !== 'restored') return
    // Its one batch is the first of the waiting batches (version 3), with its start unknown.
    expect(reading.queue.batches).toHaveLength(1)
    const [only] = reading.queue.batches
    expect(only?.batch.insertion).toEqual({ ...insertion, sentOnce: true })
    expect(only?.batch.startedAt).toBeNull()
    expect(only?.items.map((i) => i.status)).toEqual(['uploaded', 'uploading', 'ready', 'preparing', 'failed'])

    const neverSent = readSavedQueue({ ...record, batch: { ...record.batch, insertion: { ...insertion, sentOnce: false } } })
    expect(neverSent.kind === 'restored' && neverSent.queue.batches[0]?.batch.insertion?.sentOnce).toBe(false)
  })

  it('reads a record of an unknown newer version, or one it cannot parse, as kept (never as empty)', () => {
    expect(readSavedQueue(undefined)).toEqual({ kind: 'empty' })
    expect(readSavedQueue({ ...savedByVersion1(), version: CURRENT_VERSION + 1 })).toEqual({
      kind: 'kept',
      reason: 'newer_version',
      version: CURRENT_VERSION + 1,
    })
    expect(readSavedQueue({ ...savedByVersion1(), items: 'not a list' })).toEqual({ kind: 'kept', reason: 'unreadable', version: 1 })
    expect(readSavedQueue('garbage')).toEqual({ kind: 'kept', reason: 'unreadable', version: undefined })
    const badParams = savedByVersion1()
    badParams.items[4]!.error = { code: 'too_many', params: { max: { nested: true } }, retryable: false } as never
    expect(readSavedQueue(badParams)).toEqual({ kind: 'kept', reason: 'unreadable', version: 1 })
  })
})

describe('a queue saved by version 1, opened by this version', () => {
  it('carries every pending photo over: uploaded ones keep their token, the others are uploaded, all go in once', async () => {
    const record = savedByVersion1()
    await saveQueueState(record)
    await saveBlob('id-1', prepared(1))
    await saveBlob('id-2', prepared(2))
    await saveBlob('id-3', prepared(3))
    await saveSource('id-4', await photo('IMG_0004.jpg'))

    const store = newStore()
    store.prepareDeps.encoder = { encode: () => Promise.reject(new EncodeUnavailableError('happy-dom has no canvas')) }
    await store.open(DOC, 'lina')
    await until(() => store.done, 'receipt')

    expect(store.items.map((i) => [i.pickedName, i.status])).toEqual([
      ['IMG_0001.jpg', 'inserted'],
      ['IMG_0002.jpg', 'inserted'],
      ['IMG_0003.jpg', 'inserted'],
      ['IMG_0004.jpg', 'inserted'],
      ['IMG_0005.jpg', 'failed'],
    ])
    expect(store.items[4]?.error).toEqual({ code: 'too_many', params: { max: 4 }, retryable: false })
    // The uploaded photo is not sent again; the interrupted, waiting and unprepared ones are.
    expect(uploadCalls().map((c) => c.params.name)).toEqual(['IMG_0002.jpg', 'IMG_0003.jpg', 'IMG_0004.jpg'])
    expect(insertCalls()).toHaveLength(1)
    const body = bodyOf(insertCalls()[0]!)
    expect(body.items[0]).toEqual({ resourceToken: RESOURCE.resourceToken, caption: 'north wall' })
    expect(body.items.map((i) => i.resourceToken)).toEqual(store.items.slice(0, 4).map((i) => i.resource?.resourceToken))
    // Saved again in the current format, as lina's own record (the unkeyed one is gone).
    expect(await loadQueueState(stateKey('lina'))).toMatchObject({ version: CURRENT_VERSION, owner: 'lina' })
    expect(await loadQueueState()).toBeNull()
  })

  it('an insertion saved by version 1 mid-request is sent again with its key, marked Idempotency-Retry: true', async () => {
    const record = savedByVersion1()
    record.items = [v1Item('id-1', 'IMG_0001.jpg', 'inserting', { resource: RESOURCE, progress: 1, attempts: 1, caption: 'north wall' })]
    const body = {
      items: [{ resourceToken: RESOURCE.resourceToken, caption: 'north wall' }],
      position: { where: 'end' },
      layout: 'separate',
    }
    await saveQueueState({ ...record, batch: { ...record.batch, insertion: { idempotencyKey: 'key-from-v1', body, itemIds: ['id-1'] } } })

    const store = newStore()
    await store.open(DOC, 'lina')
    await until(() => store.done, 'receipt')
    expect(uploadCalls()).toHaveLength(0)
    expect(insertCalls().map((c) => [c.headers['idempotency-key'], c.headers['idempotency-retry']])).toEqual([['key-from-v1', 'true']])
    expect(insertCalls()[0]!.body).toEqual(body)
    expect(store.items[0]?.status).toBe('inserted')
  })
})

describe('a queue this version cannot read', () => {
  it('is kept untouched with its files, said so, and the person can still attach from memory', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const future = { ...savedByVersion1(), version: 99, somethingNew: { kept: true } }
    await saveQueueState(future)
    await saveBlob('id-3', prepared(3))

    const store = await openStore()
    expect(store.keptQueue).toEqual({ reason: 'newer_version', version: 99 })
    expect(store.items).toHaveLength(0)
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('kept untouched'))

    store.addFiles([pdf('a.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(store.items[0]?.status).toBe('inserted')
    await store.acknowledge()

    expect(await loadQueueState()).toEqual(future)
    expect(await loadBlob('id-3')).not.toBeNull()
  })
})
