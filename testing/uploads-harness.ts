/**
 * What the upload queue's tests share: the fake server's normal answers (config, uploads, one
 * block per inserted item), sample files, a store opened the way the page opens it, and ways to
 * wait for the queue without wall-clock sleeps. Built on the one fake API (fake-api.ts).
 */
import { afterEach, beforeEach, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import sharp from 'sharp'
import type { InsertionRequest } from '@contract/api'
import { EncodeUnavailableError } from '@/media/canvas-encode'
import { QUEUE_SETTINGS, useUploadsStore, type QueueItem } from '@/stores/uploads'
import { clearQueue } from '@/stores/uploads/persistence/idb'
import { installFakeApi, type FakeApi, type FakeHandler, type FakeReply, type FakeRequest } from './fake-api'

export { errorReply } from './fake-api'

export const DOC = { docId: 'docA1', name: 'Site diary', url: 'https://alidocs.dingtalk.com/i/nodes/docA1' }
export const LIMITS = {
  maxFileBytes: 100 * 1024 * 1024,
  maxImageBytes: 20 * 1024 * 1024,
  maxFilesPerBatch: 50,
  acceptedTypes: ['image/jpeg', 'application/pdf'],
}

export type UploadsStore = ReturnType<typeof useUploadsStore>

let resourceSeq = 0

/** A successful upload: 201 with a token that names the resource (`tok:<resourceId>:<name>`). */
export function uploaded(request: FakeRequest): FakeReply {
  const id = `res-${++resourceSeq}`
  const name = request.params.name ?? 'x'
  return {
    status: 201,
    body: {
      resourceId: id,
      resourceUrl: `https://emu/${id}`,
      resourceToken: `tok:${id}:${name}`,
      name,
      mediaType: request.headers['content-type'],
      size: (request.body as Blob).size,
      kind: 'image',
    },
  }
}

/** The body of an insertion request as the client sent it. */
export const bodyOf = (request: FakeRequest) => request.body as InsertionRequest

/** The resource tokens of an insertion request, in order. */
export function tokensOf(request: FakeRequest): string[] {
  return (request.body as { items: Array<{ resourceToken: string }> }).items.map((it) => it.resourceToken)
}

/** A successful insertion: one block per item. */
export function inserted(request: FakeRequest): FakeReply {
  return {
    status: 201,
    body: { blocks: tokensOf(request).map((token, i) => ({ blockId: `blk-${i}`, resourceId: token.split(':')[1] })), documentUrl: DOC.url },
  }
}

/** A never-answered request (the page dies, or the network hangs). */
export const hang = (): Promise<FakeReply> => new Promise(() => undefined)

export interface QueueHarness {
  api: FakeApi
  /** The server's normal behaviour, with some routes answered differently. */
  serve(overrides?: Partial<Record<'config' | 'upload' | 'insert', FakeHandler>>): void
  /** A store as the page gets it: fresh pinia, no canvas in happy-dom (photos are stripped, not re-encoded). */
  openStore(): Promise<UploadsStore>
  /** A store open on DOC with `files` picked and every one of them prepared (ready to upload). */
  openStoreWith(files: File[]): Promise<UploadsStore>
  /** A fresh store (a new page) that the harness stops after the test. */
  newStore(): UploadsStore
  uploadCalls(): FakeRequest[]
  insertCalls(): FakeRequest[]
  /** Waits (4 s, or 500 rounds under fake timers) until `check` holds; fails with what the queue and the server saw. */
  until(check: () => boolean, what: string): Promise<void>
}

/** Installs the fake server and a clean IndexedDB around every test of the calling file. */
export function useQueueHarness(): QueueHarness {
  const opened: UploadsStore[] = []
  const saved = { ...QUEUE_SETTINGS }
  let api: FakeApi = installFakeApi()
  api.restore()
  const harness: QueueHarness = {
    get api() {
      return api
    },
    serve(overrides = {}) {
      api.on('GET /config', overrides.config ?? { status: 200, body: { mode: 'sandbox', corpId: 'ding-emulator-corp', limits: LIMITS } })
      api.on(`POST /documents/${DOC.docId}/resources`, overrides.upload ?? uploaded)
      api.on(`POST /documents/${DOC.docId}/insertions`, overrides.insert ?? inserted)
    },
    newStore() {
      setActivePinia(createPinia())
      const store = useUploadsStore()
      opened.push(store)
      return store
    },
    async openStore() {
      const store = harness.newStore()
      store.prepareDeps.encoder = {
        encode: async () => {
          throw new EncodeUnavailableError('happy-dom has no canvas')
        },
      }
      await store.open(DOC)
      return store
    },
    async openStoreWith(files) {
      const store = await harness.openStore()
      store.addFiles(files)
      await store.prepared()
      return store
    },
    uploadCalls: () => harness.api.calls.filter((c) => c.path.endsWith('/resources')),
    insertCalls: () => harness.api.calls.filter((c) => c.path.endsWith('/insertions')),
    async until(check, what) {
      // With real timers, bounded by real time: preparing, hashing and IndexedDB run timers that a busy
      // machine delays while rounds of the event loop fly by. With fake timers, by rounds (time stands still).
      const realTime = !vi.isFakeTimers()
      const deadline = Date.now() + 4_000
      for (let i = 0; realTime ? Date.now() < deadline : i < 500; i++) {
        if (check()) return
        await new Promise((r) => (realTime ? setTimeout(r, 1) : setImmediate(r)))
      }
      if (check()) return
      const seen = harness.api.calls.map((c) => `${c.method} ${c.path}`).join(', ')
      const items = opened.at(-1)?.items.map((i) => [i.name, i.status, i.error])
      throw new Error(`never happened: ${what}; calls: ${seen}; items: ${JSON.stringify(items)}`)
    },
  }
  beforeEach(async () => {
    api = installFakeApi()
    resourceSeq = 0
    harness.serve()
    await clearQueue()
    setOnline(true)
  })
  afterEach(async () => {
    // Stop the stores of this test so their late writes cannot leak into the next test's IndexedDB.
    for (const store of opened.splice(0)) await store.acknowledge()
    api.restore()
    vi.useRealTimers()
    vi.restoreAllMocks()
    Object.assign(QUEUE_SETTINGS, saved)
  })
  return harness
}

/** Lets pending promises, IndexedDB and blob reads settle (setImmediate is never faked here). */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r))
}

const photoBytes = new Map<string, Uint8Array>()
/** A small JPEG as a phone takes it (orientation 6, GPS); each name gets its own colour, so different picks are different content. */
export async function photo(name: string): Promise<File> {
  let bytes = photoBytes.get(name)
  if (!bytes) {
    const shade = [...name].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 200, 7)
    bytes = new Uint8Array(
      await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 20, g: 55 + shade, b: 40 } } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .withExifMerge({
          IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '31/1 14/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '121/1 28/1 0/1' },
        })
        .toBuffer(),
    )
    photoBytes.set(name, bytes)
  }
  return new File([new Uint8Array(bytes)], name, { type: 'image/jpeg' })
}

/** A PDF-looking file; the name is in its bytes, so different names are different content. */
export function pdf(name: string, size = 100): File {
  const bytes = new Uint8Array(size)
  bytes.set(new TextEncoder().encode(`%PDF-1.7\n%${name}\n`).subarray(0, size))
  return new File([bytes], name, { type: 'application/pdf' })
}

export const statuses = (items: QueueItem[]) => items.map((i) => `${i.name}:${i.status}`)

export function setOnline(value: boolean): void {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => value })
  window.dispatchEvent(new Event(value ? 'online' : 'offline'))
}
