import { afterEach, describe, expect, it, vi } from 'vitest'

/**
 * The DingTalk shell calls (title, back, lifecycle, notifications) against dingtalk-jsapi's own mock
 * bridge (docs/dingtalk.md#faked-bridges), keyed by native API names. The mock is module-global, so
 * each test registers the answers it relies on. Vant's fallbacks are replaced by spies.
 */
const vant = vi.hoisted(() => ({ toast: vi.fn(async () => undefined), confirm: vi.fn(async () => true) }))
vi.mock('./vant-notify', () => ({ vantToast: vant.toast, vantConfirm: vant.confirm }))

async function setUp() {
  const mock = await import('dingtalk-jsapi/mock')
  mock.init()
  const { createDingTalkPlatform } = await import('./dingtalk')
  return { mock, platform: createDingTalkPlatform({ timeoutMs: 1_000 }) }
}

/** Records the params each mocked native API is called with, answering `answer`. */
function record(mock: typeof import('dingtalk-jsapi/mock'), name: string, answer: (params: Record<string, unknown>) => Promise<unknown>) {
  const seen: Array<Record<string, unknown>> = []
  mock.appendMockApiResult(name, (params: Record<string, unknown>) => {
    seen.push(params)
    return answer(params)
  })
  return seen
}

/** Lets the SDK finish loading and the mock deliver what it has queued (it answers after its bridge init). */
async function flushBridge(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

const QUESTION = { title: '还有内容在上传', message: '还有 2 项', ok: '返回列表', cancel: '留在这里' }

afterEach(() => {
  vi.useRealTimers()
  vant.toast.mockClear()
  vant.confirm.mockClear()
})

describe('DingTalk navigation bar', () => {
  it('puts the title into the navigation bar and the tab', async () => {
    const { mock, platform } = await setUp()
    const seen = record(mock, 'biz.navigation.setTitle', async () => ({}))
    await platform.setTitle('选择文档')
    expect(seen).toEqual([expect.objectContaining({ title: '选择文档' })])
    expect(document.title).toBe('选择文档')
  })

  it('still titles the tab when the bridge refuses', async () => {
    const { mock, platform } = await setUp()
    mock.appendMockApiResult('biz.navigation.setTitle', { isSuccess: false, payload: { errorCode: '3', errorMessage: 'no' } })
    await expect(platform.setTitle('周报')).resolves.toBeUndefined()
    expect(document.title).toBe('周报')
  })

  it('closes the page through biz.navigation.close', async () => {
    const { mock, platform } = await setUp()
    const seen = record(mock, 'biz.navigation.close', async () => ({}))
    await platform.close()
    expect(seen).toHaveLength(1)
  })
})

describe('DingTalk back', () => {
  it('takes over the navigation bar back (setLeft control) and the Android backbutton event', async () => {
    const { mock, platform } = await setUp()
    let tap: (() => void) | undefined
    const seen = record(mock, 'biz.navigation.setLeft', (params) => {
      tap = params.onSuccess as () => void
      return new Promise(() => {}) // DingTalk answers on a tap, not on registration
    })
    const handler = vi.fn()
    const release = platform.onBack(handler)
    await vi.waitFor(() => expect(seen).toHaveLength(1))
    expect(seen[0]).toMatchObject({ control: true, android: true })

    tap!()
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(1))
    // The mock delivers events after its bridge is ready, so each check waits for it.
    mock.emitEvent('backbutton')
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(2))

    release()
    tap!()
    mock.emitEvent('backbutton')
    await flushBridge()
    expect(handler).toHaveBeenCalledTimes(2)
  })
})

describe('DingTalk lifecycle', () => {
  it('reports resume and pause, until released', async () => {
    const { mock, platform } = await setUp()
    const resumed = vi.fn()
    const paused = vi.fn()
    const releaseResume = platform.onResume(resumed)
    const releasePause = platform.onPause(paused)
    await flushBridge()
    mock.emitEvent('resume')
    await vi.waitFor(() => expect(resumed).toHaveBeenCalledTimes(1))
    mock.emitEvent('pause')
    await vi.waitFor(() => expect(paused).toHaveBeenCalledTimes(1))
    releaseResume()
    releasePause()
    mock.emitEvent('resume')
    mock.emitEvent('pause')
    await flushBridge()
    expect(resumed).toHaveBeenCalledTimes(1)
    expect(paused).toHaveBeenCalledTimes(1)
  })
})

describe('DingTalk notifications', () => {
  it('shows DingTalk’s own toast', async () => {
    const { mock, platform } = await setUp()
    const seen = record(mock, 'device.notification.toast', async () => ({}))
    await platform.toast('上传会在后台继续')
    expect(seen).toEqual([expect.objectContaining({ text: '上传会在后台继续' })])
    expect(vant.toast).not.toHaveBeenCalled()
  })

  it('falls back to Vant’s toast when the bridge fails', async () => {
    const { mock, platform } = await setUp()
    mock.appendMockApiResult('device.notification.toast', { isSuccess: false, payload: { errorCode: '1', errorMessage: 'not exist' } })
    await platform.toast('已插入', 'success')
    expect(vant.toast).toHaveBeenCalledWith('已插入', 'success')
  })

  it('asks with DingTalk’s confirm: the first button is yes, the second no', async () => {
    const { mock, platform } = await setUp()
    let answer = 0
    const seen = record(mock, 'device.notification.confirm', async () => ({ buttonIndex: answer }))
    await expect(platform.confirm(QUESTION)).resolves.toBe(true)
    answer = 1
    await expect(platform.confirm(QUESTION)).resolves.toBe(false)
    expect(seen[0]).toMatchObject({ title: QUESTION.title, message: QUESTION.message, buttonLabels: ['返回列表', '留在这里'] })
    expect(vant.confirm).not.toHaveBeenCalled()
  })

  it('asks with Vant’s dialog when DingTalk’s confirm fails', async () => {
    const { mock, platform } = await setUp()
    mock.appendMockApiResult('device.notification.confirm', { isSuccess: false, payload: { errorCode: '1', errorMessage: 'not exist' } })
    vant.confirm.mockResolvedValueOnce(false)
    await expect(platform.confirm(QUESTION)).resolves.toBe(false)
    expect(vant.confirm).toHaveBeenCalledWith(QUESTION)
  })

  it('takes a confirm that never answers as "no" without stacking a second dialog', async () => {
    const { mock, platform } = await setUp()
    mock.appendMockApiResult('device.notification.confirm', () => new Promise(() => {}))
    const { CONFIRM_TIMEOUT_MS } = await import('./dingtalk-shell')
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const answer = platform.confirm(QUESTION)
    await vi.advanceTimersByTimeAsync(CONFIRM_TIMEOUT_MS)
    await expect(answer).resolves.toBe(false)
    expect(vant.confirm).not.toHaveBeenCalled()
  })
})
