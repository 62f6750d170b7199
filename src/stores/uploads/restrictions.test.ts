import { describe, expect, it } from 'vitest'
import { useQueueHarness, LIMITS, settle, pdf } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { serve, openStore, uploadCalls, until } = queue

describe('restrictions', () => {
  it('refuses items over the limits before uploading, each with its own reason', async () => {
    serve({
      config: () => ({
        status: 200,
        body: { mode: 'sandbox', corpId: 'c', limits: { ...LIMITS, maxFileBytes: 1000, maxFilesPerBatch: 3 } },
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
})
