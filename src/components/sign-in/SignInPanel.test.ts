import { afterEach, beforeEach, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import SignInPanel from './SignInPanel.vue'
import { createAppI18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import { setPlatform } from '@/platform'
import { errorReply, installFakeApi, type FakeApi } from '@testing/fake-api'

/** The text a key shows in that locale (the locale files are precompiled, so read them through vue-i18n). */
const zh = (key: string) => createAppI18n('zh-CN').global.t(key)
const enT = (key: string) => createAppI18n('en').global.t(key)

let api: FakeApi
let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  localStorage.clear()
  setPlatform(null)
  api = installFakeApi()
  api.on('GET /config', {
    status: 200,
    body: { mode: 'sandbox', corpId: 'c', limits: { maxFileBytes: 1, maxImageBytes: 1, maxFilesPerBatch: 1, acceptedTypes: [] } },
  })
  api.on('GET /sandbox/users', { status: 200, body: { items: [{ userId: 'zhangwei', name: '张伟' }] } })
  api.on('POST /sandbox/auth-codes', { status: 200, body: { authCode: 'used-code' } })
  api.on('POST /session', errorReply(401, 'auth_code_invalid'))
})
afterEach(() => api.restore())

it('offers one button per demo user and shows auth_code_invalid with a retry', async () => {
  const session = useSessionStore()
  await session.boot(null)
  const wrapper = mount(SignInPanel, { global: { plugins: [pinia, createAppI18n('zh-CN')] } })
  await wrapper.get('[data-testid="signin-user-zhangwei"]').trigger('click')
  await flushPromises()
  expect(wrapper.get('[data-testid="error-message"]').text()).toBe(zh('errors.auth_code_invalid'))
  // The demo users stay on screen, so another one can be tried.
  expect(wrapper.find('[data-testid="signin-user-zhangwei"]').exists()).toBe(true)
  const retry = wrapper.get('.error-box__retry')
  expect(retry.text()).toBe(zh('app.retry'))

  api.on('POST /session', { status: 200, body: { user: { userId: 'zhangwei', unionId: 'u', name: '张伟' }, csrfToken: 't' } })
  await retry.trigger('click')
  await flushPromises()
  expect(session.signedIn).toBe(true)
})

it('speaks English when the locale is en', async () => {
  api.on('GET /config', {
    status: 200,
    body: { mode: 'live', corpId: 'c', limits: { maxFileBytes: 1, maxImageBytes: 1, maxFilesPerBatch: 1, acceptedTypes: [] } },
  })
  await useSessionStore().boot(null)
  const wrapper = mount(SignInPanel, { global: { plugins: [pinia, createAppI18n('en')] } })
  expect(wrapper.text()).toContain(enT('signin.openFromWorkbench'))
})
