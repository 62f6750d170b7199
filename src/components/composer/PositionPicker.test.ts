import { afterEach, beforeEach, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import PositionPicker from './PositionPicker.vue'
import { createAppI18n } from '@/i18n'
import { installFakeApi, type FakeApi, type FakeReply } from '@testing/fake-api'

const zh = createAppI18n('zh-CN').global.t
let blocksReply: { status: number; data: unknown }
let api: FakeApi
let pinia: Pinia

beforeEach(() => {
  blocksReply = {
    status: 200,
    data: {
      items: [
        { blockId: 'blk-1', index: 0, type: 'heading', text: '现场记录' },
        { blockId: 'blk-2', index: 1, type: 'paragraph', text: '' },
        { blockId: 'blk-3', index: 2, type: 'other', text: '' },
      ],
    },
  }
  // Any other request answers 404 and fails the test visibly.
  pinia = createPinia()
  setActivePinia(pinia)
  api = installFakeApi()
  api.on('GET /documents/docA1/blocks', () => ({ status: blocksReply.status, body: blocksReply.data }))
})
afterEach(() => api.restore())

function mountPicker(docId = 'docA1') {
  return mount(PositionPicker, {
    props: { docId, position: { where: 'end' }, layout: 'separate' },
    global: { plugins: [createAppI18n('zh-CN'), pinia] },
  })
}

it('offers end, start and "after" each top-level block, and reports the choice', async () => {
  const wrapper = mountPicker()
  await flushPromises()
  expect(wrapper.text()).toContain(zh('upload.position.block', { index: 1, text: '现场记录' }))
  expect(wrapper.text()).toContain(zh('upload.position.block', { index: 2, text: '（图片或空行）' }))
  // A block DingTalk does not show (an attachment, a table…) can still be chosen as the position.
  expect(wrapper.get('[data-testid="position-after-blk-3"]').text()).toBe(zh('upload.position.block', { index: 3, text: '其他内容' }))
  await wrapper.get('[data-testid="position-after-blk-1"] input').setValue(true)
  const radios = wrapper.findAll('input[type="radio"]')
  await radios[1]!.setValue(true)
  await radios.at(-1)!.setValue(true)
  expect(wrapper.emitted('update:position')).toEqual([[{ where: 'after', blockId: 'blk-1' }], [{ where: 'start' }]])
  expect(wrapper.emitted('update:layout')).toEqual([['together']])
})

it('explains a failure to read the document and can try again', async () => {
  blocksReply = { status: 403, data: { error: { code: 'forbidden', message: 'no', requestId: 'r' } } }
  const wrapper = mountPicker()
  await flushPromises()
  expect(wrapper.get('[data-testid="error-message"]').text()).toContain(zh('errors.forbidden'))
  blocksReply = { status: 200, data: { items: [] } }
  await wrapper.get('[data-testid="error-message"] button').trigger('click')
  await flushPromises()
  expect(wrapper.text()).toContain(zh('upload.position.noBlocks'))
})

it('names pictures, empty lines and other content in English too', async () => {
  const wrapper = mount(PositionPicker, {
    props: { docId: 'docA1', position: { where: 'end' }, layout: 'separate' },
    global: { plugins: [createAppI18n('en')] },
  })
  await flushPromises()
  expect(wrapper.get('[data-testid="position-after-blk-2"]').text()).toContain('(picture or empty line)')
  expect(wrapper.get('[data-testid="position-after-blk-3"]').text()).toContain('other content')
})

it("opened for another document, shows that document's blocks and never the first one's", async () => {
  mountPicker().unmount()
  await flushPromises()
  let answer: (reply: FakeReply) => void = () => {}
  api.on('GET /documents/docB2/blocks', () => new Promise((resolve) => (answer = resolve)))
  const wrapper = mountPicker('docB2')
  await flushPromises()
  expect(wrapper.find('[data-testid="position-after-blk-1"]').exists()).toBe(false)
  expect(wrapper.text()).toContain(zh('upload.position.loading'))
  answer({ status: 200, body: { items: [{ blockId: 'blk-9', index: 0, type: 'paragraph', text: '另一份' }] } })
  await flushPromises()
  expect(wrapper.text()).toContain(zh('upload.position.block', { index: 1, text: '另一份' }))
  expect(wrapper.find('[data-testid="position-after-blk-1"]').exists()).toBe(false)
})
