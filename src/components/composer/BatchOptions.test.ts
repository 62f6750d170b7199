import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import BatchOptions from './BatchOptions.vue'
import { createAppI18n } from '@/i18n'
import { setPlatform } from '@/platform'
import { useUploadsStore } from '@/stores/uploads'
import { fakePlatform, FAKE_PLACE } from '@testing/fake-platform'
import { installFakeApi, type FakeApi } from '@testing/fake-api'

let api: FakeApi
let confirms: string[]
let answer: boolean

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  api = installFakeApi()
  api.on('GET /jsapi-config', { status: 200, body: { agentId: 'a', corpId: 'c', timeStamp: 1, nonceStr: 'n', signature: 's' } })
  confirms = []
  answer = true
  setPlatform(
    fakePlatform({
      confirm: async (question) => {
        confirms.push(question.message)
        return answer
      },
    }),
  )
})
afterEach(() => {
  api.restore()
  setPlatform(null)
})

function mountOptions(available: boolean) {
  const uploads = useUploadsStore()
  uploads.evidenceConfig = { available, default: false }
  const wrapper = mount(BatchOptions, { global: { plugins: [createAppI18n('zh-CN')] } })
  return { uploads, wrapper }
}

describe('the batch options panel', () => {
  it('is folded to one line saying what is on, and offers no stamp when the server has no evidence', async () => {
    const { wrapper, uploads } = mountOptions(false)
    expect(wrapper.get('[data-testid="batch-options"]').attributes('aria-expanded')).toBe('false')
    expect(wrapper.get('[data-testid="batch-options-summary"]').text()).toBe('压缩照片，不加内容')
    uploads.setOriginal(true)
    await flushPromises()
    expect(wrapper.get('[data-testid="batch-options-summary"]').text()).toBe('原图')
    await wrapper.get('[data-testid="batch-options"]').trigger('click')
    expect(wrapper.find('[data-testid="evidence-toggle"]').exists()).toBe(false)
  })

  it('the stamp overrides "original"; place asks once, cancelling leaves it off, then fills the place', async () => {
    const { wrapper, uploads } = mountOptions(true)
    uploads.setOriginal(true)
    await wrapper.get('[data-testid="batch-options"]').trigger('click')
    await wrapper.get('[data-testid="evidence-toggle"]').setValue(true)
    expect(uploads.stampOn).toBe(true)
    expect(wrapper.get('[data-testid="batch-options-summary"]').text()).toBe('凭证水印')

    answer = false
    await wrapper.get('[data-testid="place-toggle"]').setValue(true)
    await flushPromises()
    expect(confirms).toHaveLength(1)
    expect(confirms[0]).toContain('个人信息')
    expect(uploads.placeOn).toBe(false)
    expect((wrapper.get('[data-testid="place-toggle"]').element as HTMLInputElement).checked).toBe(false)

    answer = true
    await wrapper.get('[data-testid="place-toggle"]').setValue(true)
    await flushPromises()
    expect(uploads.placeOn).toBe(true)
    expect((wrapper.get('[data-testid="place-text"]').element as HTMLInputElement).value).toBe(FAKE_PLACE.address)
    expect(api.count('GET /jsapi-config')).toBe(1)

    // Asked only the first time.
    await wrapper.get('[data-testid="place-toggle"]').setValue(false)
    await wrapper.get('[data-testid="place-toggle"]').setValue(true)
    await flushPromises()
    expect(confirms).toHaveLength(2)
    expect(wrapper.get('[data-testid="batch-options-summary"]').text()).toBe('凭证水印 · 地点')
  })
})
