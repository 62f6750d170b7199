import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import DocumentChooser from './DocumentChooser.vue'
import { createAppI18n } from '@/i18n'
import { useDocumentsStore } from '@/stores/documents'
import { installFakeApi, type FakeApi } from '@testing/fake-api'

/** The text a key shows in that locale (the locale files are precompiled, so read them through vue-i18n). */
const zh = (key: string) => createAppI18n('zh-CN').global.t(key)

let api: FakeApi
let pinia: Pinia

const nodeOf = (docId: string, name: string, kind: 'document' | 'folder', editable: boolean) => ({
  docId,
  name,
  kind,
  url: `https://alidocs.dingtalk.com/i/nodes/${docId}`,
  editable,
  hasChildren: false,
})

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  localStorage.clear()
  api = installFakeApi()
  api.on('GET /documents', {
    status: 200,
    body: {
      items: [{ docId: 'R1', name: '最近的文档', url: 'https://alidocs.dingtalk.com/i/nodes/R1', workspaceName: '团队' }],
      nextCursor: null,
    },
  })
  api.on('GET /workspaces', {
    status: 200,
    body: { items: [{ workspaceId: 'ws1', name: '产品团队', rootNodeId: 'root1', type: 'TEAM' }], nextCursor: null },
  })
  api.on('GET /nodes', {
    status: 200,
    body: {
      items: [
        nodeOf('FOLDER1', '设计稿', 'folder', true),
        nodeOf('EDIT1', '周报', 'document', true),
        nodeOf('VIEW1', '公司制度', 'document', false),
      ],
      nextCursor: null,
    },
  })
})
afterEach(() => api.restore())

function mountChooser() {
  return mount(DocumentChooser, { global: { plugins: [pinia, createAppI18n('zh-CN')] } })
}

describe('DocumentChooser', () => {
  it('shows read-only documents disabled with the reason, and lets editable ones be chosen', async () => {
    const documents = useDocumentsStore()
    documents.start('u1')
    const wrapper = mountChooser()
    await flushPromises()

    await wrapper.get('[data-testid="workspace-ws1"]').trigger('click')
    await flushPromises()

    const readOnly = wrapper.get('[data-testid="doc-item-VIEW1"]')
    expect(readOnly.attributes('data-editable')).toBe('false')
    expect(readOnly.attributes('disabled')).toBeDefined()
    expect(readOnly.text()).toContain(zh('chooser.readOnly'))
    expect(wrapper.find('[data-testid="folder-FOLDER1"]').exists()).toBe(true)

    await readOnly.trigger('click')
    await flushPromises()
    expect(documents.selected).toBeNull()

    const editable = wrapper.get('[data-testid="doc-item-EDIT1"]')
    expect(editable.attributes('data-editable')).toBe('true')
    expect(editable.attributes('disabled')).toBeUndefined()
    await editable.trigger('click')
    await flushPromises()
    expect(documents.selected).toEqual({ docId: 'EDIT1', name: '周报', url: 'https://alidocs.dingtalk.com/i/nodes/EDIT1' })
  })

  it('refuses a search result that turns out read-only and says why', async () => {
    api.on('POST /documents/resolve', {
      status: 200,
      body: { docId: 'R1', name: '最近的文档', url: 'https://alidocs.dingtalk.com/i/nodes/R1', editable: false },
    })
    const documents = useDocumentsStore()
    documents.start('u1')
    const wrapper = mountChooser()
    await flushPromises()

    const item = wrapper.get('[data-testid="doc-item-R1"]')
    expect(item.attributes('data-editable')).toBe('true') // not known until picked
    await item.trigger('click')
    await flushPromises()

    expect(documents.selected).toBeNull()
    expect(wrapper.get('[data-testid="error-message"]').text()).toBe(zh('errors.read_only'))
    expect(wrapper.get('[data-testid="doc-item-R1"]').attributes('data-editable')).toBe('false')
  })

  it('searches what was typed after a pause and shows the results instead of the lists', async () => {
    vi.useFakeTimers()
    try {
      api.on('GET /documents', (req) => ({
        status: 200,
        body: {
          items: req.params.q
            ? [{ docId: 'S1', name: `结果 ${req.params.q}`, url: 'https://alidocs.dingtalk.com/i/nodes/S1', workspaceName: '团队' }]
            : [],
          nextCursor: null,
        },
      }))
      useDocumentsStore().start('u1')
      const wrapper = mountChooser()
      await wrapper.get('[data-testid="doc-search"]').setValue('周报')
      await vi.advanceTimersByTimeAsync(300)
      await flushPromises()
      expect(wrapper.get('[data-testid="doc-item-S1"]').text()).toContain('结果 周报')
      expect(wrapper.find('[data-testid="workspace-ws1"]').exists()).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })

  it('shows the localized reason when a pasted link is not a DingTalk document', async () => {
    api.on('POST /documents/resolve', { status: 400, body: { error: { code: 'invalid_url', message: 'x', requestId: 'r' } } })
    useDocumentsStore().start('u1')
    const wrapper = mountChooser()
    await wrapper.get('[data-testid="doc-link-input"]').setValue('https://example.com/not-a-doc')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="error-message"]').text()).toBe(zh('errors.invalid_url'))
  })
})
