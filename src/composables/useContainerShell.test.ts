import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createAppI18n } from '@/i18n'
import { setPlatform, type Platform } from '@/platform'
import { useSessionStore } from '@/stores/session'
import { useDocumentsStore } from '@/stores/documents'
import { useUploadsStore, type QueueItem } from '@/stores/uploads'
import { clearQueue } from '@/stores/uploads/persistence/idb'
import { newQueueItem } from '@/stores/uploads/queue-item'
import { errorReply, installFakeApi, type FakeApi } from '@testing/fake-api'
import { fakePlatform } from '@testing/fake-platform'
import { useContainerShell, type ContainerShell } from './useContainerShell'

const DOC = { docId: 'doc-1', name: '周报 2026', url: 'https://alidocs.dingtalk.com/i/nodes/doc-1' }
const USER = { userId: 'lina', unionId: 'union-lina', name: '李娜' }

/** A container whose back, resume and pause the test can press, recording titles and questions. */
function container(answer = true) {
  const titles: string[] = []
  const questions: string[] = []
  const handlers = { back: [] as Array<() => void>, resume: [] as Array<() => void>, pause: [] as Array<() => void> }
  const platform: Platform = fakePlatform({
    kind: 'dingtalk',
    setTitle: async (title) => void titles.push(title),
    onBack: (handler) => (handlers.back.push(handler), () => undefined),
    onResume: (handler) => (handlers.resume.push(handler), () => undefined),
    onPause: (handler) => (handlers.pause.push(handler), () => undefined),
    close: vi.fn(async () => undefined),
    toast: vi.fn(async () => undefined),
    confirm: vi.fn(async (question) => (questions.push(question.message), answer)),
  })
  const press = (which: keyof typeof handlers) => handlers[which].forEach((handler) => handler())
  return { platform, titles, questions, press }
}

let api: FakeApi
let pinia: Pinia
let wrapper: VueWrapper | null = null

function mountShell(platform: Platform): ContainerShell {
  let shell: ContainerShell | undefined
  const Host = defineComponent({
    setup() {
      shell = useContainerShell(platform)
      return () => h('div')
    },
  })
  wrapper = mount(Host, { global: { plugins: [pinia, createAppI18n('zh-CN')] } })
  return shell!
}

function signIn(): void {
  const session = useSessionStore()
  session.user = USER
  session.status = 'signed-in'
}

/** A queue whose items have the given statuses (the store's own state, as a restored queue would be). */
async function queueWith(statuses: QueueItem['status'][]) {
  const uploads = useUploadsStore()
  await uploads.restore(USER.userId)
  uploads.items = statuses.map((status, i) => ({
    ...newQueueItem(new File([new Uint8Array(10)], `IMG_${i}.jpg`, { type: 'image/jpeg' }), false),
    id: `item-${i}`,
    size: 10,
    status,
  }))
  return uploads
}

beforeEach(async () => {
  pinia = createPinia()
  setActivePinia(pinia)
  api = installFakeApi()
  localStorage.clear()
  await clearQueue()
})

afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  api.restore()
  setPlatform(null)
})

describe('navigation bar title', () => {
  it('follows the screen: app name to sign in, "choose a document", then the document’s name', async () => {
    const { platform, titles } = container()
    mountShell(platform)
    signIn()
    await flushPromises()
    useDocumentsStore().selected = DOC
    await flushPromises()
    useDocumentsStore().clearSelection()
    await flushPromises()
    expect(titles).toEqual(['文档附件', '选择文档', DOC.name, '选择文档'])
  })
})

describe('back', () => {
  it('on the composer returns to the chooser; on the chooser closes the app', async () => {
    const { platform, press } = container()
    const shell = mountShell(platform)
    signIn()
    useDocumentsStore().selected = DOC
    await flushPromises()
    expect(shell.screen.value).toBe('composer')

    press('back')
    await flushPromises()
    expect(shell.screen.value).toBe('chooser')
    expect(platform.close).not.toHaveBeenCalled()

    press('back')
    await flushPromises()
    expect(platform.close).toHaveBeenCalledTimes(1)
    expect(platform.confirm).not.toHaveBeenCalled()
  })

  it('asks before leaving the composer while items are unfinished; "stay" keeps screen and queue', async () => {
    const { platform, press, questions } = container(false)
    const shell = mountShell(platform)
    signIn()
    useDocumentsStore().selected = DOC
    const uploads = await queueWith(['uploading', 'ready', 'inserted', 'failed'])

    press('back')
    await flushPromises()
    expect(questions).toHaveLength(1)
    // Two on their way; the inserted and the failed one are not "still uploading".
    expect(questions[0]).toContain('2')
    expect(shell.screen.value).toBe('composer')
    expect(uploads.items.map((i) => i.status)).toEqual(['uploading', 'ready', 'inserted', 'failed'])
  })

  it('leaving anyway goes back to the chooser with the queue intact and says it carries on', async () => {
    const { platform, press } = container(true)
    const shell = mountShell(platform)
    signIn()
    useDocumentsStore().selected = DOC
    const uploads = await queueWith(['uploading'])

    press('back')
    await flushPromises()
    expect(shell.screen.value).toBe('chooser')
    expect(uploads.items).toHaveLength(1)
    expect(platform.toast).toHaveBeenCalledWith('上传会在后台继续')
  })

  it('on the chooser with unfinished items: asks, saves the queue, then closes', async () => {
    const { platform, press } = container(true)
    mountShell(platform)
    signIn()
    const uploads = await queueWith(['preparing'])
    const flush = vi.spyOn(uploads, 'flush')

    press('back')
    await flushPromises()
    expect(platform.confirm).toHaveBeenCalledTimes(1)
    expect(flush).toHaveBeenCalled()
    await vi.waitFor(() => expect(platform.close).toHaveBeenCalledTimes(1))
  })
})

describe('lifecycle', () => {
  it('resume re-checks the session and restarts the queue', async () => {
    const { platform, press } = container()
    api.on('GET /session', { status: 200, body: { user: USER, csrfToken: 'csrf-2' } })
    mountShell(platform)
    signIn()
    const uploads = await queueWith([])
    const resume = vi.spyOn(uploads, 'resume')

    press('resume')
    await flushPromises()
    expect(api.count('GET /session')).toBe(1)
    expect(resume).toHaveBeenCalledTimes(1)
    expect(useSessionStore().signedIn).toBe(true)
  })

  it('resume after the session expired signs in again silently inside DingTalk', async () => {
    const { platform, press } = container()
    const requestAuthCode = vi.fn<Platform['requestAuthCode']>(async () => 'code-2')
    Object.assign(platform, { requestAuthCode })
    setPlatform(platform) // the session store signs in through the app's platform
    api.on('GET /session', errorReply(401, 'unauthenticated'))
    api.on('POST /session', { status: 200, body: { user: USER, csrfToken: 'csrf-3' } })
    mountShell(platform)
    const session = useSessionStore()
    signIn()
    session.corpId = 'ding-corp'

    press('resume')
    await vi.waitFor(() => expect(api.count('POST /session')).toBe(1))
    expect(requestAuthCode.mock.calls[0]?.[0]).toBe('ding-corp')
    expect(session.signedIn).toBe(true)
  })

  it('pause saves the queue; before the composer ever opened there is nothing to create or save', async () => {
    const { platform, press } = container()
    mountShell(platform)
    signIn()
    press('pause')
    await flushPromises()
    expect('uploads' in pinia.state.value).toBe(false)

    const uploads = await queueWith(['uploading'])
    const flush = vi.spyOn(uploads, 'flush')
    press('pause')
    await flushPromises()
    expect(flush).toHaveBeenCalledTimes(1)
  })
})
