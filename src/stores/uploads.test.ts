import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios'
import sharp from 'sharp'
import exifr from 'exifr'
import { ApiError, http } from '@/api/http'
import { EncodeUnavailableError } from '@/media/canvas-encode'
import { QUEUE_SETTINGS, backoffDelay, useUploadsStore, type QueueItem } from './uploads'
import { clearQueue, loadQueueState, loadSource } from './upload-queue-db'

// ---- a fake server behind axios's adapter (the store and api modules run unchanged) ----------

interface Call {
  method: string
  url: string
  params: Record<string, string>
  headers: AxiosHeaders
  data: unknown
  config: InternalAxiosRequestConfig
}
type Reply = { status: number; data?: unknown; headers?: Record<string, string> } | 'network-error'
type Handler = (call: Call) => Reply | Promise<Reply>

let calls: Call[] = []
let handler: Handler

function respond(call: Call, reply: Reply): AxiosResponse {
  if (reply === 'network-error') throw new AxiosError('Network Error', AxiosError.ERR_NETWORK, call.config)
  const response: AxiosResponse = {
    data: reply.data ?? null,
    status: reply.status,
    statusText: String(reply.status),
    headers: new AxiosHeaders(reply.headers ?? {}),
    config: call.config,
  }
  if (reply.status >= 400) {
    const code = reply.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST
    throw new AxiosError(`Request failed with status code ${reply.status}`, code, call.config, null, response)
  }
  return response
}

function installServer(): void {
  http.defaults.adapter = async (config) => {
    const call: Call = {
      method: (config.method ?? 'get').toUpperCase(),
      url: config.url ?? '',
      params: config.params ?? {},
      headers: AxiosHeaders.from(config.headers),
      data: config.data,
      config,
    }
    calls.push(call)
    const reply = await new Promise<Reply>((resolve, reject) => {
      if (config.signal && 'aborted' in config.signal && config.signal.aborted)
        reject(new AxiosError('canceled', AxiosError.ERR_CANCELED, config))
      config.signal?.addEventListener?.('abort', () => reject(new AxiosError('canceled', AxiosError.ERR_CANCELED, config)))
      Promise.resolve(handler(call)).then(resolve, reject)
    })
    if (reply !== 'network-error' && call.data instanceof Blob)
      config.onUploadProgress?.({ loaded: call.data.size, total: call.data.size, bytes: call.data.size, lengthComputable: true })
    return respond(call, reply)
  }
}

const DOC = { docId: 'docA1', name: 'Site diary', url: 'https://alidocs.dingtalk.com/i/nodes/docA1' }
const LIMITS = {
  maxFileBytes: 100 * 1024 * 1024,
  maxImageBytes: 20 * 1024 * 1024,
  maxFilesPerBatch: 50,
  acceptedTypes: ['image/jpeg', 'application/pdf'],
}

let resourceSeq = 0
/** The server's normal behaviour: config, uploads (201 + token), insertions (one block per item). */
function normalServer(overrides: Partial<Record<'config' | 'upload' | 'insert', Handler>> = {}): Handler {
  return (call) => {
    if (call.url === '/config')
      return overrides.config?.(call) ?? { status: 200, data: { mode: 'sandbox', corpId: 'ding-emulator-corp', limits: LIMITS } }
    if (call.url.endsWith('/resources')) {
      if (overrides.upload) return overrides.upload(call)
      return uploaded(call)
    }
    if (call.url.endsWith('/insertions')) {
      if (overrides.insert) return overrides.insert(call)
      return inserted(call)
    }
    return { status: 404, data: { error: { code: 'not_found', message: 'no route', requestId: 'r' } } }
  }
}

function uploaded(call: Call): Reply {
  const id = `res-${++resourceSeq}`
  const name = call.params.name ?? 'x'
  return {
    status: 201,
    data: {
      resourceId: id,
      resourceUrl: `https://emu/${id}`,
      resourceToken: `tok:${id}:${name}`,
      name,
      mediaType: String(call.headers.get('Content-Type')),
      size: (call.data as Blob).size,
      kind: 'image',
    },
  }
}

function inserted(call: Call): Reply {
  const body = call.data as string
  const items = (JSON.parse(body) as { items: Array<{ resourceToken: string }> }).items
  return {
    status: 201,
    data: { blocks: items.map((it, i) => ({ blockId: `blk-${i}`, resourceId: it.resourceToken.split(':')[1] })), documentUrl: DOC.url },
  }
}

function errorReply(status: number, code: string, extra: { details?: unknown; retryAfter?: string } = {}): Reply {
  return {
    status,
    data: { error: { code, message: code, requestId: 'req-1', ...(extra.details ? { details: extra.details } : {}) } },
    headers: extra.retryAfter ? { 'retry-after': extra.retryAfter } : {},
  }
}

// ---- helpers ---------------------------------------------------------------------------------

/** Lets pending promises, IndexedDB and blob reads settle (setImmediate is never faked here). */
async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r))
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return
    await new Promise((r) => setImmediate(r))
  }
  throw new Error(
    `never happened: ${what}; calls: ${calls.map((c) => c.method + ' ' + c.url).join(', ')}; items: ${JSON.stringify(useUploadsStore().items.map((i) => [i.name, i.status, i.error]))}`,
  )
}

let photoBytes: Uint8Array
async function photo(name: string): Promise<File> {
  photoBytes ??= new Uint8Array(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: 'green' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '31/1 14/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '121/1 28/1 0/1' } })
      .toBuffer(),
  )
  return new File([new Uint8Array(photoBytes)], name, { type: 'image/jpeg' })
}
function pdf(name: string, size = 100): File {
  const bytes = new Uint8Array(size)
  bytes.set(new TextEncoder().encode('%PDF-1.7\n'))
  return new File([bytes], name, { type: 'application/pdf' })
}

/** A store as the page gets it: fresh pinia, no canvas in happy-dom (photos are stripped, not re-encoded). */
const openedStores: Array<ReturnType<typeof useUploadsStore>> = []
async function openStore() {
  setActivePinia(createPinia())
  const store = useUploadsStore()
  openedStores.push(store)
  store.prepareDeps.encoder = {
    encode: async () => {
      throw new EncodeUnavailableError('happy-dom has no canvas')
    },
  }
  await store.open(DOC)
  return store
}

/** A store open on DOC with `files` picked and every one of them prepared (ready to upload). */
async function openStoreWith(files: File[]) {
  const store = await openStore()
  store.addFiles(files)
  await store.prepared()
  return store
}

const statuses = (items: QueueItem[]) => items.map((i) => `${i.name}:${i.status}`)
const uploadCalls = () => calls.filter((c) => c.url.endsWith('/resources'))
const insertCalls = () => calls.filter((c) => c.url.endsWith('/insertions'))

function setOnline(value: boolean): void {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => value })
  window.dispatchEvent(new Event(value ? 'online' : 'offline'))
}

const saved = { ...QUEUE_SETTINGS }
beforeEach(async () => {
  calls = []
  resourceSeq = 0
  handler = normalServer()
  installServer()
  await clearQueue()
  setOnline(true)
})
afterEach(async () => {
  // Stop the stores of this test so their late writes cannot leak into the next test's IndexedDB.
  for (const store of openedStores.splice(0)) await store.acknowledge()
  vi.useRealTimers()
  vi.restoreAllMocks()
  Object.assign(QUEUE_SETTINGS, saved)
})

// ---- tests -------------------------------------------------------------------------------------

describe('uploads store: pick → prepare → upload → insert', () => {
  it('uploads prepared items with explicit names and inserts them once, in the order shown, with captions', async () => {
    const store = await openStoreWith([await photo('IMG_1.jpg'), pdf('plan.pdf'), await photo('')])
    await until(() => store.items.every((i) => i.status === 'uploaded'), 'all uploaded')

    // The photo left the device without GPS but still upright (orientation kept).
    const photoUpload = uploadCalls().find((c) => c.params.name === 'IMG_1.jpg')
    expect(photoUpload?.headers.get('Content-Type')).toBe('image/jpeg')
    const tags = await exifr.parse(new Uint8Array(await (photoUpload?.data as Blob).arrayBuffer()), { gps: true, translateValues: false })
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
    expect(call.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/)
    const body = JSON.parse(call.data as string)
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

  it('waits for uploads still running when send is pressed, then inserts', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    handler = normalServer({ upload: async (call) => (await gate, uploaded(call)) })
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
    expect(JSON.parse(insertCalls()[0]!.data as string).items).toHaveLength(2)
    expect(store.items.map((i) => i.status)).toEqual(['inserted', 'inserted'])
  })

  it('never has more than 3 uploads in flight', async () => {
    let inFlight = 0
    let peak = 0
    let release!: () => void
    const allPrepared = new Promise<void>((r) => (release = r))
    handler = normalServer({
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

  it('downscales photos to the long edge the server configures', async () => {
    handler = normalServer({
      config: () => ({ status: 200, data: { mode: 'sandbox', corpId: 'c', limits: { ...LIMITS, photoMaxEdge: 1280 } } }),
    })
    const store = await openStore()
    await until(() => store.limits.photoMaxEdge === 1280, 'config loaded')
    const seen: number[] = []
    store.prepareDeps.encoder = {
      encode: async (req) => {
        seen.push(req.maxEdge)
        return { blob: new Blob([new Uint8Array(10)], { type: 'image/jpeg' }), width: 48, height: 64, resized: false }
      },
    }
    store.addFiles([await photo('IMG_1.jpg')])
    await store.prepared()
    expect(seen).toEqual([1280])
  })

  it('refuses items over the limits before uploading, each with its own reason', async () => {
    handler = normalServer({
      config: () => ({
        status: 200,
        data: { mode: 'sandbox', corpId: 'c', limits: { ...LIMITS, maxFileBytes: 1000, maxFilesPerBatch: 3 } },
      }),
    })
    const store = await openStore()
    await settle()
    const html = new File(['<html></html>'], 'page.html', { type: 'text/html' })
    store.addFiles([pdf('big.pdf', 5000), html, pdf('ok.pdf'), pdf('extra.pdf')])
    await store.prepared()
    await until(() => store.items.some((i) => i.status === 'uploaded'), 'ok.pdf uploaded')
    expect(store.items.map((i) => [i.name, i.status, i.error?.code])).toEqual([
      ['big.pdf', 'failed', 'too_large'],
      ['page.html', 'failed', 'type_not_accepted'],
      ['ok.pdf', 'uploaded', undefined],
      ['extra.pdf', 'failed', 'too_many'],
    ])
    expect(store.items[0]?.error?.params).toEqual({ max: '1000 B' })
    expect(uploadCalls().map((c) => c.params.name)).toEqual(['ok.pdf'])
  })

  it('removing an uploading item aborts its request', async () => {
    handler = normalServer({ upload: () => new Promise(() => undefined) })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'uploading', 'uploading')
    const signal = uploadCalls()[0]!.config.signal as AbortSignal
    store.remove(store.items[0]!.id)
    expect(signal.aborted).toBe(true)
    expect(store.items).toHaveLength(0)
  })
})

describe('uploads store: switching documents', () => {
  const OTHER = { docId: 'docB2', name: 'Meeting notes', url: 'https://alidocs.dingtalk.com/i/nodes/docB2' }

  it('keeps unfinished items bound to their document, and moves on once a batch went in cleanly', async () => {
    handler = normalServer({ upload: () => new Promise(() => undefined) })
    const store = await openStoreWith([pdf('a.pdf')])
    await store.open(OTHER)
    expect(store.targetsOther(OTHER.docId)).toBe(true)
    expect(store.batch.document).toEqual(DOC)

    await store.discard(OTHER)
    expect(store.items).toHaveLength(0)
    expect(store.batch.document).toEqual(OTHER)

    handler = normalServer()
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

describe('uploads store: retries', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
  })

  it('retries a 503 after its Retry-After, then succeeds', async () => {
    let n = 0
    handler = normalServer({
      upload: (call) => (++n === 1 ? errorReply(503, 'dingtalk_unavailable', { retryAfter: '7' }) : uploaded(call)),
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
    handler = normalServer({ upload: () => 'network-error' })
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

    handler = normalServer()
    store.retry(store.items[0]!.id)
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded after manual retry')
  })

  it('does not retry what cannot succeed (415 unsupported_type)', async () => {
    handler = normalServer({ upload: () => errorReply(415, 'unsupported_type') })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'failed', 'failed')
    expect(uploadCalls()).toHaveLength(1)
    expect(store.items[0]?.error).toEqual({ code: 'unsupported_type', retryable: false })
  })
})

describe('uploads store: offline', () => {
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
    handler = normalServer({ upload: (call) => (++n === 1 ? new Promise(() => undefined) : uploaded(call)) })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => uploadCalls().length === 1, 'first try on the wire')
    const firstSignal = uploadCalls()[0]!.config.signal as AbortSignal
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
    handler = normalServer({
      upload: (call) => {
        if (++n > 1) return uploaded(call)
        setOnline(false)
        return 'network-error'
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

describe('uploads store: persistence and resume', () => {
  it('saves the Idempotency-Key and body before the insertion request leaves', async () => {
    let savedAtRequest: unknown = null
    handler = normalServer({
      insert: async (call) => {
        savedAtRequest = await loadQueueState()
        return inserted(call)
      },
    })
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded')
    store.submit()
    await until(() => store.done, 'receipt')
    const key = insertCalls()[0]!.headers.get('Idempotency-Key')
    // Also saved: that this key went out, so any later send of it says it is a retry.
    expect(savedAtRequest).toMatchObject({
      batch: { insertion: { idempotencyKey: key, body: JSON.parse(insertCalls()[0]!.data as string), sentOnce: true } },
    })
    expect(insertCalls()[0]!.headers.has('Idempotency-Retry')).toBe(false)
  })

  it('after a reload: uploaded items are not sent again, an interrupted upload restarts, and the insertion reuses its key', async () => {
    // Page 1: a.pdf uploads, b.pdf's upload never finishes, then the page dies.
    handler = normalServer({ upload: (call) => (call.params.name === 'b.pdf' ? new Promise(() => undefined) : uploaded(call)) })
    const page1 = await openStore()
    page1.addFiles([pdf('a.pdf'), pdf('b.pdf')])
    page1.setCaption(page1.items[0]!.id, 'first')
    await page1.prepared()
    await until(() => page1.items[0]?.status === 'uploaded' && page1.items[1]?.status === 'uploading', 'a uploaded, b uploading')
    page1.submit()
    await settle()
    const aToken = page1.items[0]!.resource!.resourceToken

    // Page 2 starts from IndexedDB only.
    calls = []
    handler = normalServer()
    const page2 = await openStore()
    await until(() => page2.done, 'receipt on page 2')
    expect(uploadCalls().map((c) => c.params.name)).toEqual(['b.pdf'])
    const body = JSON.parse(insertCalls()[0]!.data as string)
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

    calls = []
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
      const tags = await exifr.parse(new Uint8Array(await (call.data as Blob).arrayBuffer()), { gps: true, translateValues: false })
      expect(tags).toEqual({ Orientation: 6 })
    }
    // Saved picks are dropped once prepared.
    await settle()
    expect(await loadSource(page2.items[3]!.id)).toBeNull()
  })

  it('prepares the first photo alone, then at most QUEUE_SETTINGS.preparations at once, keeping the picked order', async () => {
    QUEUE_SETTINGS.preparations = 2
    const uploadsWaiting: Array<() => void> = []
    handler = normalServer({ upload: (call) => new Promise((resolve) => uploadsWaiting.push(() => resolve(uploaded(call)))) })
    const store = await openStore()
    const gates: Array<() => void> = []
    let inFlight = 0
    let maxInFlight = 0
    store.prepareDeps.encoder = {
      encode: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight)
        await new Promise<void>((resolve) => gates.push(resolve))
        inFlight--
        throw new EncodeUnavailableError('no canvas')
      },
    }
    store.addFiles([await photo('IMG_1.jpg'), await photo('IMG_2.jpg'), await photo('IMG_3.jpg'), await photo('IMG_4.jpg')])
    // Nothing is on its way up yet: the first photo is prepared alone, so its upload starts soonest.
    await until(() => gates.length === 1, 'first preparation started')
    await settle()
    expect(gates.length).toBe(1)
    gates[0]!()
    // The uplink has work now: two preparations at once, never three.
    await until(() => gates.length === 3, 'two more preparations started')
    await settle()
    expect(gates.length).toBe(3)
    expect(store.items[0]?.status).toBe('uploading')
    // The third photo finishes before the second; the fourth starts in its slot.
    gates[2]!()
    await until(() => gates.length === 4, 'fourth preparation started')
    await until(() => store.items[2]?.status === 'uploading', 'third photo uploading')
    expect(store.items[1]?.status).toBe('preparing')
    gates[1]!()
    gates[3]!()
    await store.prepared()
    expect(maxInFlight).toBe(2)
    store.submit()
    for (let i = 0; i < 200 && !store.done; i++) {
      for (const release of uploadsWaiting.splice(0)) release()
      await settle(1)
    }
    expect(store.done).toBe(true)
    expect(store.items.map((i) => i.pickedName)).toEqual(['IMG_1.jpg', 'IMG_2.jpg', 'IMG_3.jpg', 'IMG_4.jpg'])
    const body = JSON.parse(insertCalls()[0]!.data as string)
    const tokenOf = (name: string) => store.items.find((i) => i.pickedName === name)?.resource?.resourceToken
    expect(body.items.map((i: { resourceToken: string }) => i.resourceToken)).toEqual(
      ['IMG_1.jpg', 'IMG_2.jpg', 'IMG_3.jpg', 'IMG_4.jpg'].map(tokenOf),
    )
  })

  it('after a reload during the insertion request: the same key and body are sent again, marked Idempotency-Retry: true', async () => {
    handler = normalServer({ insert: () => new Promise(() => undefined) })
    const page1 = await openStore()
    page1.addFiles([pdf('a.pdf'), pdf('b.pdf')])
    await page1.prepared()
    await until(() => page1.items.every((i) => i.status === 'uploaded'), 'uploaded')
    page1.submit()
    await until(() => insertCalls().length === 1, 'insertion sent')
    const first = insertCalls()[0]!
    expect(first.headers.has('Idempotency-Retry')).toBe(false)

    calls = []
    handler = normalServer()
    const page2 = await openStore()
    await until(() => page2.done, 'receipt on page 2')
    expect(uploadCalls()).toHaveLength(0)
    expect(insertCalls()).toHaveLength(1)
    expect(insertCalls()[0]!.headers.get('Idempotency-Key')).toBe(first.headers.get('Idempotency-Key'))
    expect(insertCalls()[0]!.data).toBe(first.data)
    // The server may have lost its record of the first send (a restart on a fresh disk): the client says so.
    expect(insertCalls()[0]!.headers.get('Idempotency-Retry')).toBe('true')
    expect(page2.items.map((i) => i.status)).toEqual(['inserted', 'inserted'])
  })

  it('a queue saved by one person is never shown to another who signs in on the same device', async () => {
    handler = normalServer({ upload: () => new Promise(() => undefined) })
    setActivePinia(createPinia())
    const lina = useUploadsStore()
    openedStores.push(lina)
    await lina.open(DOC, 'lina')
    lina.addFiles([pdf('private.pdf')])
    await lina.prepared()
    await until(() => lina.items[0]?.status === 'uploading', 'uploading')

    // Same page, someone else signs in: the in-memory queue goes.
    await lina.open(DOC, 'zhang')
    expect(lina.items).toHaveLength(0)

    // After a reload too: the saved queue of another person is deleted unseen.
    lina.addFiles([pdf('zhang.pdf')])
    await lina.prepared()
    setActivePinia(createPinia())
    const other = useUploadsStore()
    openedStores.push(other)
    await other.open(DOC, 'wang')
    expect(other.items).toHaveLength(0)
    expect(await loadQueueState()).toMatchObject({ owner: 'wang', items: [] })
  })

  it('"attach more" forgets the finished batch, also in IndexedDB', async () => {
    const store = await openStoreWith([pdf('a.pdf')])
    await until(() => store.items[0]?.status === 'uploaded', 'uploaded')
    store.submit()
    await until(() => store.done, 'receipt')
    await store.acknowledge()
    expect(store.items).toHaveLength(0)
    expect(store.done).toBe(false)
    expect(await loadQueueState()).toMatchObject({ items: [], batch: { receipt: null, insertion: null, document: DOC } })
    setActivePinia(createPinia())
    const fresh = useUploadsStore()
    await fresh.restore()
    expect(fresh.items).toHaveLength(0)
  })
})

describe('uploads store: insertion failures', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
  })

  it('retries a 503 with the same key marked Idempotency-Retry: true, and on giving up shows what went in and what did not; retry finishes it', async () => {
    QUEUE_SETTINGS.maxAttempts = 2
    handler = normalServer({
      insert: (call) => {
        const items = (JSON.parse(call.data as string) as { items: Array<{ resourceToken: string }> }).items
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
    const keys = insertCalls().map((c) => c.headers.get('Idempotency-Key'))
    expect(keys[1]).toBe(keys[0])
    expect(insertCalls().map((c) => c.headers.get('Idempotency-Retry') ?? null)).toEqual([null, 'true'])
    expect(store.items.map((i) => [i.name, i.status, i.error?.code])).toEqual([
      ['a.pdf', 'inserted', undefined],
      ['b.pdf', 'failed', 'dingtalk_unavailable'],
    ])

    handler = normalServer()
    store.retryFailed()
    await until(() => store.done && store.items.every((i) => i.status === 'inserted'), 'all inserted')
    expect(insertCalls()).toHaveLength(3)
    expect(insertCalls()[2]!.headers.get('Idempotency-Key')).toBe(keys[0])
    expect(insertCalls()[2]!.headers.get('Idempotency-Retry')).toBe('true')
    expect(insertCalls()[2]!.data).toBe(insertCalls()[0]!.data)
  })

  it('stale resource tokens (resource_invalid) are replaced once by uploading again, under a new key', async () => {
    let n = 0
    handler = normalServer({ insert: (call) => (++n === 1 ? errorReply(400, 'resource_invalid') : inserted(call)) })
    const store = await openStore()
    store.addFiles([pdf('a.pdf'), pdf('b.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(uploadCalls()).toHaveLength(4)
    expect(insertCalls()).toHaveLength(2)
    const [first, second] = insertCalls()
    expect(second!.headers.get('Idempotency-Key')).not.toBe(first!.headers.get('Idempotency-Key'))
    // A new key is a first attempt again.
    expect(second!.headers.has('Idempotency-Retry')).toBe(false)
    expect(JSON.parse(second!.data as string).items).not.toEqual(JSON.parse(first!.data as string).items)
    expect(store.items.map((i) => i.status)).toEqual(['inserted', 'inserted'])
  })

  it('an item already in the document (409 resource_used) is shown as in, and the rest go in under a new key', async () => {
    let n = 0
    const resourceIdOf = (call: Call, i: number) => (JSON.parse(call.data as string).items[i].resourceToken as string).split(':')[1]
    handler = normalServer({
      insert: (call) =>
        ++n === 1
          ? errorReply(409, 'resource_used', {
              details: { blockId: 'blk-old', insertedAt: '2026-01-01T00:00:00.000Z', resourceId: resourceIdOf(call, 0) },
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
    expect(second!.headers.get('Idempotency-Key')).not.toBe(first!.headers.get('Idempotency-Key'))
    expect(JSON.parse(second!.data as string).items).toHaveLength(1)
    expect(JSON.parse(second!.data as string).position).toEqual({ where: 'after', blockId: 'blk-old' })
    expect(uploadCalls()).toHaveLength(2)
  })

  it('409 insertion_uncertain asks about the items that may be in; "retry failed items" sends them as a new batch', async () => {
    let n = 0
    handler = normalServer({
      insert: (call) => {
        if (++n > 1) return inserted(call)
        const ids = (JSON.parse(call.data as string).items as Array<{ resourceToken: string }>).map((it) => it.resourceToken.split(':')[1])
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
    expect(second!.headers.get('Idempotency-Key')).not.toBe(first!.headers.get('Idempotency-Key'))
    expect(JSON.parse(second!.data as string).items).toHaveLength(2)
    expect(JSON.parse(second!.data as string).position).toEqual({ where: 'after', blockId: 'blk-a' })
  })

  it('a second resource_invalid ends in the receipt with the reason', async () => {
    handler = normalServer({ insert: () => errorReply(400, 'resource_invalid') })
    const store = await openStore()
    store.addFiles([pdf('a.pdf')])
    store.submit()
    await until(() => store.done, 'receipt')
    expect(insertCalls()).toHaveLength(2)
    expect(store.items[0]).toMatchObject({ status: 'failed', error: { code: 'resource_invalid' } })
  })

  it('an item whose upload failed for good is reported, and retrying it inserts it after the others with a new key', async () => {
    handler = normalServer({ upload: (call) => (call.params.name === 'b.pdf' ? errorReply(403, 'forbidden') : uploaded(call)) })
    const store = await openStoreWith([pdf('a.pdf'), pdf('b.pdf')])
    await until(() => store.items[1]?.status === 'failed' && store.items[0]?.status === 'uploaded', 'a uploaded, b failed')
    store.submit()
    await until(() => store.done, 'receipt')
    expect(statuses(store.items)).toEqual(['a.pdf:inserted', 'b.pdf:failed'])

    handler = normalServer()
    store.retryFailed()
    await until(() => store.done && store.items[1]?.status === 'inserted', 'b inserted')
    const [firstCall, secondCall] = insertCalls()
    expect(secondCall!.headers.get('Idempotency-Key')).not.toBe(firstCall!.headers.get('Idempotency-Key'))
    expect(JSON.parse(secondCall!.data as string).position).toEqual({ where: 'after', blockId: store.items[0]!.blockId })
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
