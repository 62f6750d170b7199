import { describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { errorKey, useErrorMessage } from './useErrorMessage'
import { ApiError } from '@/api/http'
import { PlatformError } from '@/platform'
import { ReadOnlyDocumentError } from '@/stores/documents'
import { createAppI18n } from '@/i18n'

describe('errorKey', () => {
  it.each([
    [new ApiError({ code: 'forbidden', status: 403, message: 'x' }), 'forbidden'],
    [new PlatformError('timeout', 'x'), 'bridge_timeout'],
    [new PlatformError('cancelled', 'x', '-1'), 'bridge_cancelled'],
    [new ReadOnlyDocumentError('d1'), 'read_only'],
    [new Error('boom'), 'unknown'],
    ['text', 'unknown'],
  ])('%o → %s', (error, key) => {
    expect(errorKey(error)).toBe(key)
  })
})

describe('useErrorMessage', () => {
  function messageIn(locale: 'zh-CN' | 'en', error: unknown): string {
    let text = ''
    const Probe = defineComponent({
      setup() {
        const messageFor = useErrorMessage()
        text = messageFor(error)
        return () => h('span', text)
      },
    })
    mount(Probe, { global: { plugins: [createAppI18n(locale)] } })
    return text
  }

  it('shows the localized sentence, never the raw server message', () => {
    const error = new ApiError({ code: 'rate_limited', status: 429, message: 'Too Many Requests from upstream' })
    expect(messageIn('en', error)).toBe('Too many requests. Wait a moment and try again.')
    expect(messageIn('zh-CN', error)).toBe('操作太频繁。请稍等片刻再试。')
  })

  it('falls back to a generic message for a code it does not know', () => {
    const error = new ApiError({ code: 'brand_new_code', status: 418, message: 'teapot' })
    expect(messageIn('en', error)).toBe('Something went wrong. Try again.')
  })
})
