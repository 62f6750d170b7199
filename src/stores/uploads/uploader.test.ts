import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/http'
import { QUEUE_SETTINGS, backoffDelay } from '.'
import { useQueueHarness, uploaded, hang, errorReply, settle, pdf, setOnline } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { serve, openStore, openStoreWith, uploadCalls, until } = queue

describe('uploader: concurrency and cancelling', () => {
  it('never has more than 3 uploads in flight', async () => {
    let inFlight = 0
    let peak = 0
    let release!: () => void
    const allPrepared = new Promise<void>((r) => (release = r))
    serve({
      upload: async (call) => {
        inFlight++
        peak = Math.max(peak, inFlight)
        await allPrepared
        await settle(3)
        inFlight--
        return uploaded(call)
      },
    })
    const store = await openStoreWith(Array.from({ length: 8 }, (_, i) => pdf(`f${i}.pdf`)))
    await settle()
    expect(store.items.map((i) => i.status)).toEqual([...Array(3).fill('uploading'), ...Array(5).fill('ready')])
    release()
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'all uploaded')
    expect(uploadCalls()).toHaveLength(8)
    expect(peak).toBe(3)
  })

  it('removing an uploading item aborts its request', async () => {
    serve({ upload: () => hang() })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'uploading', 'uploading')
    const signal = uploadCalls()[0]!.signal!
    store.remove(store.items[0]!.id)
    expect(signal.aborted).toBe(true)
    expect(store.items).toHaveLength(0)
  })
})

describe('uploader: retries', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
  })

  it('retries a 503 after its Retry-After, then succeeds', async () => {
    let n = 0
    serve({
      upload: (call) => (++n === 1 ? errorReply(503, 'dingtalk_unavailable', {}, { 'retry-after': '7' }) : uploaded(call)),
    })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => uploadCalls().length === 1, 'first try')
    await settle()
    await vi.advanceTimersByTimeAsync(6_900)
    expect(uploadCalls()).toHaveLength(1) // Retry-After (7 s) outweighs the 1 s backoff step
    await vi.advanceTimersByTimeAsync(200)
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded after retry')
    expect(store.items[0]?.attempts).toBe(2)
  })

  it('retries network errors with growing delays and gives up after the last attempt, offering retry', async () => {
    QUEUE_SETTINGS.maxAttempts = 3
    serve({ upload: () => ({ fail: 'network' }) })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => uploadCalls().length === 1, 'first try')
    await settle()
    // attempt 1 fails → wait 1000 × (0.5 + 0.5·0.5) = 750 ms; attempt 2 → 1500 ms.
    await vi.advanceTimersByTimeAsync(749)
    expect(uploadCalls()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    await until(() => uploadCalls().length === 2, 'second try')
    await settle()
    await vi.advanceTimersByTimeAsync(1_499)
    expect(uploadCalls()).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    await until(() => store.items[0]?.status === 'failed', 'failed')
    expect(uploadCalls()).toHaveLength(3)
    expect(store.items[0]?.error).toEqual({ code: 'network_error', retryable: true })

    serve()
    store.retry(store.items[0]!.id)
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded after manual retry')
  })

  it('does not retry what cannot succeed (415 unsupported_type)', async () => {
    serve({ upload: () => errorReply(415, 'unsupported_type') })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'failed', 'failed')
    expect(uploadCalls()).toHaveLength(1)
    expect(store.items[0]?.error).toEqual({ code: 'unsupported_type', retryable: false })
  })
})

describe('uploader: offline', () => {
  it('pauses while offline and resumes when the network is back', async () => {
    const store = await openStore()
    setOnline(false)
    store.addFiles([pdf('a.pdf'), pdf('b.pdf')])
    await store.prepared()
    await settle()
    expect(uploadCalls()).toHaveLength(0)
    expect(store.items.map((i) => i.status)).toEqual(['ready', 'ready'])
    setOnline(true)
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'uploaded after reconnect')
    expect(uploadCalls()).toHaveLength(2)
  })

  it('going offline aborts the upload on the wire and sends it again when back online', async () => {
    let n = 0
    serve({ upload: (call) => (++n === 1 ? hang() : uploaded(call)) })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => uploadCalls().length === 1, 'first try on the wire')
    const firstSignal = uploadCalls()[0]!.signal!
    setOnline(false)
    await settle()
    expect(firstSignal.aborted).toBe(true)
    expect(store.items[0]?.status).toBe('uploading')
    expect(uploadCalls()).toHaveLength(1)
    setOnline(true)
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded after reconnect')
    expect(uploadCalls()).toHaveLength(2)
    expect(store.items[0]?.attempts).toBe(1)
  })

  it('a request failing because the network dropped waits for it without using up attempts', async () => {
    QUEUE_SETTINGS.maxAttempts = 1
    let n = 0
    serve({
      upload: (call) => {
        if (++n > 1) return uploaded(call)
        setOnline(false)
        return { fail: 'network' }
      },
    })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => uploadCalls().length === 1, 'first try')
    await settle()
    expect(store.items[0]?.status).toBe('uploading')
    setOnline(true)
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded after reconnect')
  })
})

describe('backoffDelay', () => {
  it('doubles per attempt with 50–100 % jitter, is capped, and never undercuts Retry-After', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect([1, 2, 3].map((n) => backoffDelay(n, null))).toEqual([500, 1000, 2000])
    expect(backoffDelay(20, null)).toBe(QUEUE_SETTINGS.maxDelayMs / 2)
    vi.spyOn(Math, 'random').mockReturnValue(0.999999)
    expect(backoffDelay(1, null)).toBeCloseTo(1000, 0)
    const throttled = new ApiError({ code: 'rate_limited', status: 429, message: 'slow down', retryAfterSeconds: 12 })
    expect(backoffDelay(1, throttled)).toBe(12_000)
  })
})
