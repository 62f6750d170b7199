import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import sharp from 'sharp'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import AttachComposer from './AttachComposer.vue'
import { createAppI18n } from '@/i18n'
import { installFakeApi, type FakeApi, type FakeReply } from '@testing/fake-api'
import { setPlatform, type Platform } from '@/platform'
import { QUEUE_SETTINGS, useUploadsStore } from '@/stores/uploads'
import { clearQueue, saveQueueState } from '@/stores/uploads/persistence/idb'
import { EncodeUnavailableError } from '@/media/canvas-encode'
import { fakePlatform } from '@testing/fake-platform'

const DOC = { docId: 'docA1', name: '现场照片', url: 'https://alidocs.dingtalk.com/i/nodes/docA1' }
const zh = createAppI18n('zh-CN').global.t

let seq = 0
let uploadReply: (name: string) => { status: number; data: unknown } | Promise<{ status: number; data: unknown }>
let insertReply: ((tokens: string[]) => { status: number; data: unknown }) | null = null
let api: FakeApi
const asFakeReply = (reply: { status: number; data: unknown }): FakeReply => ({ status: reply.status, body: reply.data })

function okUpload(name: string) {
  const id = `res-${++seq}`
  return {
    status: 201,
    data: {
      resourceId: id,
      resourceUrl: `https://emu/${id}`,
      resourceToken: `tok:${id}`,
      name,
      mediaType: 'application/pdf',
      size: 9,
      kind: 'file',
    },
  }
}

beforeEach(async () => {
  await clearQueue()
  seq = 0
  uploadReply = okUpload
  insertReply = null
  api = installFakeApi()
  api.on('GET /config', {
    status: 200,
    body: { mode: 'sandbox', corpId: 'c', limits: { maxFileBytes: 1000, maxImageBytes: 1000, maxFilesPerBatch: 10, acceptedTypes: [] } },
  })
  api.on(`POST /documents/${DOC.docId}/resources`, async (request) => asFakeReply(await uploadReply(String(request.params.name))))
  api.on(`POST /documents/${DOC.docId}/insertions`, (request) => {
    const tokens = (request.body as { items: Array<{ resourceToken: string }> }).items.map((i) => i.resourceToken)
    if (insertReply) return asFakeReply(insertReply(tokens))
    return {
      status: 201,
      body: { blocks: tokens.map((token, i) => ({ blockId: `b${i}`, resourceId: token.slice(4) })), documentUrl: DOC.url },
    }
  })
})
const mounted: Pinia[] = []
afterEach(async () => {
  // Stop this test's queue so its late IndexedDB writes cannot reach the next test.
  for (const pinia of mounted.splice(0)) await useUploadsStore(pinia).acknowledge()
  setPlatform(null)
  api.restore()
  Object.assign(QUEUE_SETTINGS, savedSettings)
})
const savedSettings = { ...QUEUE_SETTINGS }

/** A PDF-looking file whose bytes include its name (different names, different content). */
function pdf(name: string, size = 9 + name.length): File {
  const bytes = new Uint8Array(size)
  bytes.set(new TextEncoder().encode(`%PDF-1.7${name}`).subarray(0, size))
  return new File([bytes], name, { type: 'application/pdf' })
}

/** Under the client tests' 5 s limit, with room for the rest of the test. */
const UNTIL_MS = 4_000

async function pickFiles(wrapper: VueWrapper, testId: string, files: File[]): Promise<void> {
  const input = wrapper.get(`[data-testid="${testId}"]`)
  Object.defineProperty(input.element, 'files', { configurable: true, value: files })
  await input.trigger('change')
}

/** Waits until `check` holds, for up to 4 s of real time: preparing, hashing and saving the queue run timers too. */
async function until(wrapper: VueWrapper, check: () => boolean): Promise<void> {
  const deadline = Date.now() + UNTIL_MS
  while (!check() && Date.now() < deadline) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 1))
  }
  expect(check()).toBe(true)
}

function mountComposer(pinia: Pinia) {
  mounted.push(pinia)
  return mount(AttachComposer, { props: { document: DOC }, global: { plugins: [pinia, createAppI18n('zh-CN')] } })
}

it('shows picked items with name and status, sends them, and shows the receipt with open document', async () => {
  const pinia = createPinia()
  setActivePinia(pinia)
  const openLink = vi.fn<Platform['openLink']>(async () => undefined)
  setPlatform(fakePlatform({ requestAuthCode: async () => 'x', openLink }))
  const wrapper = mountComposer(pinia)
  await flushPromises()

  const photoInput = wrapper.get('[data-testid="photo-input"]').element as HTMLInputElement
  expect(photoInput.accept).toBe('image/*')
  expect(photoInput.multiple).toBe(true)
  expect(photoInput.hasAttribute('capture')).toBe(false)

  await pickFiles(wrapper, 'file-input', [pdf('a.pdf'), pdf('b.pdf')])
  await until(wrapper, () => wrapper.findAll('[data-testid="queue-item"][data-status="uploaded"]').length === 2)
  const items = wrapper.findAll('[data-testid="queue-item"]')
  expect(items.map((i) => i.attributes('data-name'))).toEqual(['a.pdf', 'b.pdf'])
  expect(items[0]!.text()).toContain(zh('upload.status.uploaded'))

  await items[1]!.get('[data-testid="caption-input"]').setValue('second')
  await items[1]!.get(`[aria-label="${zh('upload.moveUp')}"]`).trigger('click')
  expect(wrapper.findAll('[data-testid="queue-item"]').map((i) => i.attributes('data-name'))).toEqual(['b.pdf', 'a.pdf'])

  await wrapper.get('[data-testid="send-button"]').trigger('click')
  await until(wrapper, () => wrapper.find('[data-testid="receipt"]').exists())
  const sent = api.calls.find((r) => r.path.endsWith('/insertions'))?.body
  expect((sent as { items: unknown[] } | undefined)?.items).toEqual([
    { resourceToken: 'tok:res-2', caption: 'second' },
    { resourceToken: 'tok:res-1' },
  ])
  const rows = wrapper.findAll('[data-testid="receipt-item"]')
  expect(rows.map((r) => [r.attributes('data-name'), r.attributes('data-status')])).toEqual([
    ['b.pdf', 'inserted'],
    ['a.pdf', 'inserted'],
  ])

  await wrapper.get('[data-testid="open-document"]').trigger('click')
  expect(openLink).toHaveBeenCalledWith(DOC.url)

  await wrapper.get('[data-testid="attach-more"]').trigger('click')
  await until(wrapper, () => !wrapper.find('[data-testid="receipt"]').exists())
  expect(wrapper.findAll('[data-testid="queue-item"]')).toHaveLength(0)
  expect(useUploadsStore().items).toHaveLength(0)
})

it('explains per item why it cannot be sent: a limit refused on the device, a refusal from the server', async () => {
  const pinia = createPinia()
  setActivePinia(pinia)
  uploadReply = () => ({ status: 403, data: { error: { code: 'forbidden', message: 'no', requestId: 'r' } } })
  const wrapper = mountComposer(pinia)
  await flushPromises()
  await until(wrapper, () => useUploadsStore().limits.maxFileBytes === 1000)

  await pickFiles(wrapper, 'file-input', [pdf('big.pdf', 5000), pdf('denied.pdf')])
  await until(wrapper, () => wrapper.findAll('[data-testid="queue-item"][data-status="failed"]').length === 2)
  const [big, denied] = wrapper.findAll('[data-testid="queue-item"]')
  expect(big!.get('[data-testid="error-message"]').text()).toBe(zh('upload.errors.too_large', { max: '1000 B' }))
  expect(denied!.get('[data-testid="error-message"]').text()).toBe(zh('errors.forbidden'))
  // A refusal on the device cannot succeed by retrying; a permission may be granted later.
  expect(big!.find('.queue-item__retry').exists()).toBe(false)
  expect(denied!.find('.queue-item__retry').exists()).toBe(true)
  expect(wrapper.get('[data-testid="send-button"]').attributes('disabled')).toBeDefined()
})

it('resets the picker so the same file can be picked again', async () => {
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mountComposer(pinia)
  await flushPromises()
  const input = wrapper.get('[data-testid="photo-input"]').element as HTMLInputElement
  const setValue = vi.spyOn(input, 'value', 'set')
  await pickFiles(wrapper, 'photo-input', [pdf('x.pdf')])
  expect(setValue).toHaveBeenCalledWith('')
  await until(wrapper, () => wrapper.findAll('[data-testid="queue-item"]').length === 1)
})

it('a partly failed insertion shows what went in, why the rest did not, and retry finishes it', async () => {
  QUEUE_SETTINGS.maxAttempts = 1
  const pinia = createPinia()
  setActivePinia(pinia)
  insertReply = (tokens) => ({
    status: 503,
    data: {
      error: {
        code: 'dingtalk_unavailable',
        message: 'busy',
        requestId: 'r',
        details: {
          blocks: [{ blockId: 'b0', resourceId: tokens[0]!.slice(4) }],
          pendingResourceIds: tokens.slice(1).map((t) => t.slice(4)),
        },
      },
    },
  })
  const wrapper = mountComposer(pinia)
  // Picked at once, while the saved queue is still being read: nothing is lost.
  await pickFiles(wrapper, 'file-input', [pdf('a.pdf'), pdf('b.pdf')])
  await until(wrapper, () => wrapper.findAll('[data-testid="queue-item"]').length === 2)
  await wrapper.get('[data-testid="send-button"]').trigger('click')
  await until(wrapper, () => wrapper.find('[data-testid="receipt"]').exists())
  const rows = wrapper.findAll('[data-testid="receipt-item"]')
  expect(rows.map((r) => [r.attributes('data-name'), r.attributes('data-status')])).toEqual([
    ['a.pdf', 'inserted'],
    ['b.pdf', 'failed'],
  ])
  expect(rows[1]!.get('[data-testid="error-message"]').text()).toBe(zh('errors.dingtalk_unavailable'))

  insertReply = null
  await rows[1]!.get('button').trigger('click')
  await until(wrapper, () => wrapper.findAll('[data-testid="receipt-item"][data-status="inserted"]').length === 2)
  const keys = api.calls.filter((r) => r.path.endsWith('/insertions')).map((r) => r.headers['idempotency-key'])
  expect(keys).toHaveLength(2)
  expect(keys[1]).toBe(keys[0])
})

it('shows an upright thumbnail of the prepared photo and releases it when the item is removed', async () => {
  const pinia = createPinia()
  setActivePinia(pinia)
  uploadReply = () => new Promise(() => undefined)
  const jpeg = new Uint8Array(
    await sharp({ create: { width: 40, height: 30, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer(),
  )
  const created = vi.spyOn(URL, 'createObjectURL')
  const revoked = vi.spyOn(URL, 'revokeObjectURL')
  const wrapper = mountComposer(pinia)
  useUploadsStore().prepareDeps.encoder = { encode: async () => Promise.reject(new EncodeUnavailableError('no canvas')) }
  await pickFiles(wrapper, 'photo-input', [new File([jpeg], 'red.jpg', { type: 'image/jpeg' })])
  await until(wrapper, () => wrapper.find('[data-testid="queue-item"] img').exists())
  const src = wrapper.get('[data-testid="queue-item"] img').attributes('src')
  expect(created).toHaveBeenCalled()
  expect(src).toBe(created.mock.results.at(-1)?.value)
  await wrapper.get(`[aria-label="${zh('upload.remove')}"]`).trigger('click')
  expect(revoked).toHaveBeenCalledWith(src)
})

it('says so when this device holds a queue saved by a newer version, and still lets the person attach', async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  await saveQueueState({ version: 99, owner: null, items: [{ id: 'from-the-future' }] })
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mountComposer(pinia)
  await until(wrapper, () => wrapper.find('.attach-composer__kept').exists())
  expect(wrapper.get('.attach-composer__kept').text()).toBe(zh('upload.keptQueue.newer_version'))
  await pickFiles(wrapper, 'file-input', [pdf('a.pdf')])
  await until(wrapper, () => wrapper.find('[data-testid="queue-item"][data-status="uploaded"]').exists())
})

it('offline: picking after send starts a new batch, the sent one is listed as waiting, and a long wait is said', async () => {
  const pinia = createPinia()
  setActivePinia(pinia)
  setPlatform(fakePlatform())
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false })
  window.dispatchEvent(new Event('offline'))
  try {
    const wrapper = mountComposer(pinia)
    await flushPromises()
    await pickFiles(wrapper, 'file-input', [pdf('first.pdf')])
    await until(wrapper, () => wrapper.find('[data-testid="queue-item"][data-status="ready"]').exists())
    await wrapper.get('[data-testid="send-button"]').trigger('click')
    await pickFiles(wrapper, 'file-input', [pdf('second.pdf')])
    await until(wrapper, () => wrapper.findAll('[data-testid="queue-item"]').length === 2)

    const waiting = wrapper.findAll('[data-testid="waiting-batch"]')
    expect(waiting).toHaveLength(1)
    expect(waiting[0]!.find('[data-testid="queue-item"]').attributes('data-name')).toBe('first.pdf')
    expect(wrapper.find('[data-testid="oldest-waiting"]').exists()).toBe(false)

    // The first batch was started two and a half hours ago.
    const uploads = useUploadsStore(pinia)
    const first = uploads.waitingBatches[0]!
    first.batch.startedAt = Date.now() - 2.5 * 3_600_000
    await flushPromises()
    expect(wrapper.get('[data-testid="oldest-waiting"]').text()).toBe(zh('upload.batches.waitingFor', { hours: 2 }))
  } finally {
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true })
    window.dispatchEvent(new Event('online'))
  }
})
