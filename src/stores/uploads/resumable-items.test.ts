// Items the queue sends through tus (above the resumable threshold) are the queue's items like any
// other: the same insertion, the same answers to 409 resource_used, the same retries. The tus
// exchange itself is tested in src/api/resumable-uploads.test.ts; here it is replaced at its seam.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ResourceResponse } from '@contract/api'
import { ApiError } from '@/api/http'
import type { ResumableUploadOptions } from '@/api/resumable-uploads'
import { sha256OfBlob } from '@/media/content-hash'
import { QUEUE_SETTINGS } from '@/stores/uploads'
import { useQueueHarness, inserted, bodyOf, tokensOf, errorReply, settle, pdf } from '@testing/uploads-harness'

/** Files above this many bytes go through tus in these tests (8 MiB in the app). */
const THRESHOLD = 1000

const tus = vi.hoisted(() => ({
  calls: [] as Array<{ docId: string; name: string; blob: Blob; options: ResumableUploadOptions }>,
  answer: null as null | ((n: number) => Promise<ResourceResponse>),
}))

vi.mock('@/api/resumable-uploads', () => ({
  uploadResumable: async (docId: string, blob: Blob, name: string, _type: string, options: ResumableUploadOptions) => {
    tus.calls.push({ docId, name, blob, options })
    if (tus.answer) return tus.answer(tus.calls.length)
    return tusResource(name, blob.size)
  },
}))

function tusResource(name: string, size: number): ResourceResponse {
  const id = `tus-${name}`
  return {
    resourceId: id,
    resourceUrl: `https://emu/${id}`,
    resourceToken: `tok:${id}:${name}`,
    name,
    mediaType: 'application/pdf',
    size,
    kind: 'file',
    duplicateOf: null,
    evidence: null,
  }
}

const queue = useQueueHarness()
const { serve, openStore, uploadCalls, insertCalls, until } = queue

beforeEach(() => {
  tus.calls.length = 0
  tus.answer = null
  QUEUE_SETTINGS.resumableAboveBytes = THRESHOLD // the harness puts it back after each test
})

describe('items sent through tus', () => {
  it('go through tus above the threshold with the hash of their bytes, and in one insertion with the small ones, in order', async () => {
    const store = await openStore()
    const big = pdf('big.pdf', THRESHOLD + 1)
    store.addFiles([pdf('small.pdf'), big])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(tus.calls.map((c) => c.name)).toEqual(['big.pdf'])
    expect(tus.calls[0]!.options.sha256).toBe(await sha256OfBlob(big))
    expect(uploadCalls().map((c) => c.params.name)).toEqual(['small.pdf'])
    expect(insertCalls()).toHaveLength(1)
    expect(tokensOf(insertCalls()[0]!).map((t) => t.split(':')[2])).toEqual(['small.pdf', 'big.pdf'])
    expect(store.items.map((i) => i.status)).toEqual(['inserted', 'inserted'])
  })

  it('409 resource_used for a tus item: shown as in (its earlier block), and the rest go in under a new key', async () => {
    let n = 0
    serve({
      insert: (call) =>
        ++n === 1
          ? errorReply(409, 'resource_used', {
              details: { blockId: 'blk-old', insertedAt: '2026-12-01T06:03:00.000Z', resourceId: 'tus-big.pdf' },
            })
          : inserted(call),
    })
    const store = await openStore()
    store.addFiles([pdf('big.pdf', THRESHOLD + 1), pdf('small.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(store.items.map((i) => [i.name, i.status, i.blockId])).toEqual([
      ['big.pdf', 'inserted', 'blk-old'],
      ['small.pdf', 'inserted', 'blk-0'],
    ])
    const [first, second] = insertCalls()
    expect(second!.headers['idempotency-key']).not.toBe(first!.headers['idempotency-key'])
    expect(bodyOf(second!).items).toHaveLength(1)
    expect(bodyOf(second!).position).toEqual({ where: 'after', blockId: 'blk-old' })
    // Never sent again: it is in the document already.
    expect(tus.calls).toHaveLength(1)
  })

  it('a tus upload that failed for a passing reason (503) is tried again after a backoff, then inserted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    tus.answer = async (n) => {
      if (n === 1) throw new ApiError({ code: 'dingtalk_unavailable', status: 503, message: 'busy' })
      return tusResource('big.pdf', THRESHOLD + 1)
    }
    const store = await openStore()
    store.addFiles([pdf('big.pdf', THRESHOLD + 1)])
    await until(() => tus.calls.length === 1, 'first tus attempt')
    await settle()
    expect(store.items[0]?.status).toBe('uploading')
    await vi.advanceTimersByTimeAsync(700) // 1 s base step × 0.75 jitter: not yet
    expect(tus.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(100)
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded after the retry')
    expect(tus.calls).toHaveLength(2)
    expect(store.items[0]?.attempts).toBe(2)
  })
})
