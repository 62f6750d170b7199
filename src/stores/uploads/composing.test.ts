/** The compose stage in the queue: marks drawn into what is sent, re-sent when they change, kept across a reload. */
import { describe, expect, it } from 'vitest'
import { EncodeUnavailableError } from '@/media/canvas-encode'
import type { ComposeRequest } from '@/media/compose-photo'
import { sha256OfBlob } from '@/media/content-hash'
import type { Mark } from '@/media/marks'
import { loadPrepared } from './persistence/idb'
import { useQueueHarness, bodyOf, hang, photo, pdf, tokensOf, type UploadsStore } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { serve, openStoreWith, newStore, uploadCalls, insertCalls, until } = queue

const arrow: Mark = { id: 'm1', tool: 'arrow', colour: '#e53935', width: 'thin', points: [0.1, 0.1, 0.5, 0.5] }
const cover: Mark = { id: 'm2', tool: 'cover', colour: '#e53935', width: 'thin', points: [0.6, 0.6, 0.9, 0.9] }

/** A composer as deterministic as the real one: the prepared bytes followed by the marks. */
function fakeComposer(store: UploadsStore): ComposeRequest[] {
  const seen: ComposeRequest[] = []
  store.prepareDeps.encoder = {
    encode: async () => {
      throw new EncodeUnavailableError('happy-dom has no canvas')
    },
    compose: async (request) => {
      seen.push(request)
      const blob = new Blob([request.blob, JSON.stringify(request.layers.marks)], { type: request.outputType })
      return { blob, width: 48, height: 64, resized: false }
    },
  }
  return seen
}

const bytesOf = async (blob: Blob | undefined) => (blob ? new TextDecoder().decode(await blob.arrayBuffer()) : '')

async function uploadedPhoto(): Promise<{ store: UploadsStore; composed: ComposeRequest[]; id: string; unmarked: Blob }> {
  const store = await openStoreWith([await photo('IMG_1.jpg')])
  const composed = fakeComposer(store)
  await until(() => store.items[0]?.status === 'uploaded', 'uploaded')
  const id = store.items[0]!.id
  return { store, composed, id, unmarked: store.blobOf(id)! }
}

describe('compose stage', () => {
  it('sends a photo without marks exactly as prepared (no second encode), with the hash of those bytes', async () => {
    const { store, composed, id, unmarked } = await uploadedPhoto()
    expect(composed).toHaveLength(0)
    expect(uploadCalls()).toHaveLength(1)
    expect(uploadCalls()[0]!.headers['x-content-sha256']).toBe(await sha256OfBlob(unmarked))
    expect(store.items[0]!.sha256).toBe(await sha256OfBlob(unmarked))
    expect(await store.unmarkedOf(id)).toBe(unmarked)
  })

  it('re-sends a photo marked after its upload, with the marks drawn into the prepared photo, and inserts only the marked one', async () => {
    const { store, composed, id, unmarked } = await uploadedPhoto()
    const firstToken = store.items[0]!.resource!.resourceToken
    store.openMarkup(id)
    await store.closeMarkup(id, [arrow, cover])

    expect(composed).toHaveLength(1)
    expect(composed[0]!.blob).toBe(unmarked)
    expect(composed[0]!.layers.marks).toEqual([arrow, cover])
    expect(composed[0]!.outputType).toBe('image/jpeg')
    await until(() => store.items[0]?.status === 'uploaded' && uploadCalls().length === 2, 'marked photo uploaded')
    const sent = uploadCalls()[1]!
    expect(await bytesOf(sent.body as Blob)).toBe((await bytesOf(unmarked)) + JSON.stringify([arrow, cover]))
    expect(sent.headers['x-content-sha256']).toBe(await sha256OfBlob(sent.body as Blob))
    // The unmarked photo stays on the device until the item is in, so the marks can still change.
    expect(await bytesOf((await loadPrepared(id)) ?? undefined)).toBe(await bytesOf(unmarked))

    store.submit()
    await until(() => store.done, 'receipt')
    expect(insertCalls()).toHaveLength(1)
    expect(tokensOf(insertCalls()[0]!)).toEqual([store.items[0]!.resource!.resourceToken])
    expect(tokensOf(insertCalls()[0]!)).not.toContain(firstToken)
    await until(() => store.items[0]?.status === 'inserted', 'inserted')
    await new Promise((r) => setTimeout(r, 20))
    expect(await loadPrepared(id)).toBeNull()
  })

  it('sends nothing new for the same marks again; marks changed back give the same bytes and hash', async () => {
    const { store, composed, id } = await uploadedPhoto()
    await store.closeMarkup(id, [arrow])
    await until(() => uploadCalls().length === 2 && store.items[0]?.status === 'uploaded', 'marked photo uploaded')
    const marked = store.items[0]!.sha256

    await store.closeMarkup(id, [arrow])
    expect(composed).toHaveLength(1) // the same marks: not even composed again
    await new Promise((r) => setTimeout(r, 30))
    expect(uploadCalls()).toHaveLength(2)
    expect(store.items[0]!.status).toBe('uploaded')

    await store.closeMarkup(id, [arrow, cover])
    expect(store.items[0]!.sha256).not.toBe(marked)
    await until(() => uploadCalls().length === 3 && store.items[0]?.status === 'uploaded', 'changed photo uploaded')
    await store.closeMarkup(id, [arrow])
    expect(composed).toHaveLength(3)
    expect(store.items[0]!.sha256).toBe(marked)
    await until(() => uploadCalls().length === 4 && store.items[0]?.status === 'uploaded', 'changed-back photo uploaded')

    // Removing every mark sends the prepared photo again, as it was.
    await store.closeMarkup(id, [])
    await until(() => uploadCalls().length === 5 && store.items[0]?.status === 'uploaded', 'unmarked photo uploaded')
    expect(uploadCalls()[4]!.headers['x-content-sha256']).toBe(uploadCalls()[0]!.headers['x-content-sha256'])
    expect(await loadPrepared(id)).toBeNull()
  })

  it('holds the upload and the insertion while the editor is open, stopping an upload on the wire', async () => {
    let answer = true
    serve({ upload: (call) => (answer ? Promise.resolve({ status: 201, body: { ...fakeResource(call) } }) : hang()) })
    answer = false
    const store = await openStoreWith([await photo('IMG_1.jpg')])
    fakeComposer(store)
    const id = store.items[0]!.id
    await until(() => store.items[0]?.status === 'uploading', 'uploading')
    store.openMarkup(id)
    expect(store.items[0]!.status).toBe('ready')
    answer = true
    store.submit()
    await new Promise((r) => setTimeout(r, 30))
    expect(uploadCalls()).toHaveLength(1)
    expect(insertCalls()).toHaveLength(0)

    await store.closeMarkup(id, [cover])
    await until(() => store.done, 'receipt')
    expect(uploadCalls()).toHaveLength(2)
    expect(bodyOf(insertCalls()[0]!).items).toHaveLength(1)
  })

  it('keeps marks and the unmarked photo across a reload, editable again', async () => {
    serve({ upload: () => hang() })
    const first = await openStoreWith([await photo('IMG_1.jpg')])
    const composed = fakeComposer(first)
    const id = first.items[0]!.id
    const unmarked = await bytesOf((await first.unmarkedOf(id)) ?? undefined)
    first.openMarkup(id)
    await first.closeMarkup(id, [arrow])
    expect(composed).toHaveLength(1)

    const second = newStore()
    fakeComposer(second)
    await second.open({ docId: 'docA1', name: 'Site diary', url: 'https://alidocs.dingtalk.com/i/nodes/docA1' })
    expect(second.items[0]!.marks).toEqual([arrow])
    expect(second.canMarkUp(id)).toBe(true)
    expect(await bytesOf((await second.unmarkedOf(id)) ?? undefined)).toBe(unmarked)
    expect(await bytesOf(second.blobOf(id))).toBe(unmarked + JSON.stringify([arrow]))
  })

  it('offers markup for prepared photos only', async () => {
    serve({ upload: () => hang() })
    const store = await openStoreWith([pdf('plan.pdf'), await photo('IMG_1.jpg')])
    expect(store.canMarkUp(store.items[0]!.id)).toBe(false)
    expect(store.canMarkUp(store.items[1]!.id)).toBe(true)
  })
})

function fakeResource(call: { params: Record<string, string>; body: unknown; headers: Record<string, string> }) {
  const id = `res-${Math.random().toString(36).slice(2)}`
  return {
    resourceId: id,
    resourceUrl: `https://emu/${id}`,
    resourceToken: `tok:${id}:${call.params.name}`,
    name: call.params.name,
    mediaType: call.headers['content-type'],
    size: (call.body as Blob).size,
    kind: 'image',
  }
}
