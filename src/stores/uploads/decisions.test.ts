/** Questions the queue asks before inserting: the same content twice in a batch, content already in the document; and the taken-at caption. */
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { useQueueHarness, bodyOf, photo, pdf, statuses, uploaded } from '@testing/uploads-harness'
import type { FakeRequest } from '@testing/fake-api'

const queue = useQueueHarness()
const { serve, openStoreWith, uploadCalls, insertCalls, until } = queue

const settleQueue = async () => {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r))
}

async function sha256Of(request: FakeRequest): Promise<string> {
  return createHash('sha256')
    .update(new Uint8Array(await (request.body as Blob).arrayBuffer()))
    .digest('hex')
}

describe('the same content picked twice in one batch', () => {
  it('flags the later pick and holds the insertion until the person keeps both', async () => {
    const same = await photo('IMG_7.jpg')
    const store = await openStoreWith([same, new File([same], 'IMG_7 copy.jpg', { type: 'image/jpeg' }), pdf('plan.pdf')])
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'all uploaded')
    const [first, copy, plan] = store.items
    expect([...store.sameContentAs]).toEqual([[copy!.id, first!.id]])
    expect(plan!.sha256).not.toBe(first!.sha256)

    store.submit()
    await settleQueue()
    expect(insertCalls()).toHaveLength(0)

    store.keepBoth(copy!.id)
    await until(() => store.done, 'receipt')
    expect(bodyOf(insertCalls()[0]!).items).toHaveLength(3)
  })

  it('keeps one when the person removes the repeat', async () => {
    const same = await photo('IMG_8.jpg')
    const store = await openStoreWith([same, new File([same], 'again.jpg', { type: 'image/jpeg' })])
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'all uploaded')
    store.submit()
    store.remove(store.items[1]!.id)
    await until(() => store.done, 'receipt')
    expect(statuses(store.items)).toEqual(['IMG_8.jpg:inserted'])
  })
})

describe('content already in the document (duplicateOf)', () => {
  it('asks before inserting, and inserts once the person says attach again', async () => {
    const duplicateOf = { blockId: 'blk-old', insertedAt: '2026-12-01T06:03:00.000Z' }
    serve({
      upload: (request) => {
        const reply = uploaded(request)
        if (!('body' in reply)) return reply
        const body = { ...(reply.body as Record<string, unknown>) }
        return { ...reply, body: { ...body, duplicateOf: String(request.params.name).startsWith('dup') ? duplicateOf : null } }
      },
    })
    const store = await openStoreWith([await photo('dup.jpg'), await photo('new.jpg')])
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'all uploaded')
    expect(store.items[0]!.resource?.duplicateOf).toEqual(duplicateOf)

    store.submit()
    await settleQueue()
    expect(insertCalls()).toHaveLength(0)

    store.attachAgain(store.items[0]!.id)
    await until(() => store.done, 'receipt')
    expect(bodyOf(insertCalls()[0]!).items).toHaveLength(2)
  })
})

describe('checksums', () => {
  it('sends X-Content-SHA256 with exactly the bytes it uploads', async () => {
    const store = await openStoreWith([await photo('IMG_9.jpg'), pdf('report.pdf')])
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'all uploaded')
    for (const call of uploadCalls()) expect(call.headers['x-content-sha256']).toBe(await sha256Of(call))
  })
})

describe('the taken-at caption', () => {
  async function takenPhoto(name: string, exif: Record<string, string>, background: string): Promise<File> {
    const bytes = await sharp({ create: { width: 32, height: 24, channels: 3, background } })
      .jpeg()
      .withExifMerge({ IFD2: exif })
      .toBuffer()
    return new File([new Uint8Array(bytes)], name, { type: 'image/jpeg' })
  }

  it('is off by default, and when on puts "Taken <time>" above the caption', async () => {
    const store = await openStoreWith([
      await takenPhoto('site.jpg', { DateTimeOriginal: '2026:12:01 14:03:27' }, 'teal'),
      await takenPhoto('tokyo.jpg', { DateTimeOriginal: '2026:12:02 09:15:00', OffsetTimeOriginal: '+09:00' }, 'orange'),
      pdf('notes.pdf'),
    ])
    expect(store.takenAtCaption).toBe(false)
    store.setTakenAtCaption(true)
    store.setTakenAtLine((time) => `拍摄于 ${time}`)
    const [site, tokyo] = store.items
    store.setCaption(site!.id, 'north gate')
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'all uploaded')
    store.submit()
    await until(() => store.done, 'receipt')

    const deviceOffset = -new Date(2026, 11, 2, 9, 15).getTimezoneOffset()
    const tokyoLine = deviceOffset === 540 ? '拍摄于 2026-12-02 09:15' : '拍摄于 2026-12-02 09:15 (UTC+09:00)'
    expect(bodyOf(insertCalls()[0]!).items.map((i) => i.caption)).toEqual(['拍摄于 2026-12-01 14:03\nnorth gate', tokyoLine, undefined])
    expect(tokyo!.takenAt?.offsetMinutes).toBe(540)
  })
})
