import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isInDingTalk } from './detect'
import { browserPlatform } from './browser'
import { PlatformError } from './types'

/**
 * dingtalk-jsapi's own mock module (`dingtalk-jsapi/mock`) replaces the bridge for the whole SDK
 * instance, which is module-global and survives vi.resetModules (node_modules are not re-imported).
 * So each test registers its own answer for the native API name; the "no container" case lives in
 * dingtalk-outside.test.ts, a separate file with an untouched SDK.
 */
async function loadSdk() {
  const mock = await import('dingtalk-jsapi/mock')
  const { createDingTalkPlatform } = await import('./dingtalk')
  return { mock, createDingTalkPlatform }
}

async function rejectionOf(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  expect((error as Error).name).toBe('PlatformError')
  return error as PlatformError
}

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('DingTalk platform (dingtalk-jsapi mock bridge)', () => {
  it('returns the auth code for the corpId it was asked for', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    const seen: unknown[] = []
    mock.appendMockApiResult('runtime.permission.requestAuthCode', (params: unknown) => {
      seen.push(params)
      return Promise.resolve({ code: 'auth-code-1' })
    })
    const platform = createDingTalkPlatform()
    expect(platform.kind).toBe('dingtalk')
    await expect(platform.requestAuthCode('ding-corp-1')).resolves.toBe('auth-code-1')
    expect(seen).toEqual([expect.objectContaining({ corpId: 'ding-corp-1' })])
  })

  it('reports a cancel (errorCode -1) as cancelled', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    mock.appendMockApiResult('runtime.permission.requestAuthCode', {
      isSuccess: false,
      payload: { errorCode: '-1', errorMessage: 'user cancelled' },
    })
    const error = await rejectionOf(createDingTalkPlatform().requestAuthCode('ding-corp-1'))
    expect(error.code).toBe('cancelled')
  })

  it('reports any other bridge failure as failed, keeping the bridge code', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    mock.appendMockApiResult('runtime.permission.requestAuthCode', {
      isSuccess: false,
      payload: { errorCode: '3', errorMessage: '1002,corpId不合法' },
    })
    const error = await rejectionOf(createDingTalkPlatform().requestAuthCode('bad-corp'))
    expect(error).toMatchObject({ code: 'failed', bridgeCode: '3' })
  })

  it('gives up with timeout when the bridge never answers', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    mock.appendMockApiResult('runtime.permission.requestAuthCode', () => new Promise(() => {}))
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const pending = rejectionOf(createDingTalkPlatform({ timeoutMs: 10_000 }).requestAuthCode('ding-corp-1'))
    await vi.advanceTimersByTimeAsync(9_999)
    let settled = false
    void pending.then(() => (settled = true))
    await Promise.resolve()
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect((await pending).code).toBe('timeout')
  })

  it('rejects an answer without a code instead of signing in with nothing', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    mock.appendMockApiResult('runtime.permission.requestAuthCode', { isSuccess: true, payload: {} })
    const error = await rejectionOf(createDingTalkPlatform().requestAuthCode('ding-corp-1'))
    expect(error.code).toBe('failed')
  })

  it('opens links through biz.util.openLink', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    const opened: unknown[] = []
    mock.appendMockApiResult('biz.util.openLink', (params: unknown) => {
      opened.push(params)
      return Promise.resolve({})
    })
    await createDingTalkPlatform().openLink('https://alidocs.dingtalk.com/i/nodes/abc')
    expect(opened).toEqual([expect.objectContaining({ url: 'https://alidocs.dingtalk.com/i/nodes/abc' })])
  })
})

describe('choosing the requestAuthCode form', () => {
  const CURRENT = 'runtime.permission.requestAuthCodeV2'
  const OLDER = 'runtime.permission.requestAuthCode'

  /** Records which native API was called with what; answers `code-<api>`. */
  function recordBoth(mock: Awaited<ReturnType<typeof loadSdk>>['mock'], current: unknown = undefined) {
    const seen: [string, unknown][] = []
    for (const api of [CURRENT, OLDER]) {
      mock.appendMockApiResult(api, (params: unknown) => {
        seen.push([api, params])
        if (api === CURRENT && current !== undefined) return Promise.reject(current)
        return Promise.resolve({ code: `code-${api}` })
      })
    }
    return seen
  }

  it('uses requestAuthCode({corpId, clientId}) on a client that has it', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    const seen = recordBoth(mock)
    const platform = createDingTalkPlatform({ env: { platform: 'android', version: '7.6.0' } })
    await expect(platform.requestAuthCode('corp-1', 'app-key-1')).resolves.toBe(`code-${CURRENT}`)
    expect(seen).toEqual([[CURRENT, expect.objectContaining({ corpId: 'corp-1', clientId: 'app-key-1' })]])
  })

  it.each([
    ['an older phone client', { platform: 'ios', version: '7.0.44' }, 'app-key-1'],
    ['an older PC client', { platform: 'pc', version: '7.0.49' }, 'app-key-1'],
    ['a client of unknown version', { platform: 'android' }, 'app-key-1'],
    ['no clientId from the server', { platform: 'android', version: '7.6.0' }, null],
  ])('uses runtime.permission.requestAuthCode({corpId}) on %s', async (_label, env, clientId) => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    const seen = recordBoth(mock)
    await expect(createDingTalkPlatform({ env }).requestAuthCode('corp-1', clientId)).resolves.toBe(`code-${OLDER}`)
    expect(seen).toEqual([[OLDER, expect.objectContaining({ corpId: 'corp-1' })]])
  })

  it('falls back to the older form once when the current one fails (no code was issued)', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    const seen = recordBoth(mock, { errorCode: '1', errorMessage: 'api not exist' })
    const platform = createDingTalkPlatform({ env: { platform: 'pc', version: '7.0.50' } })
    await expect(platform.requestAuthCode('corp-1', 'app-key-1')).resolves.toBe(`code-${OLDER}`)
    expect(seen.map(([api]) => api)).toEqual([CURRENT, OLDER])
  })

  it('does not ask again after the person cancelled the current form', async () => {
    const { mock, createDingTalkPlatform } = await loadSdk()
    mock.init()
    const seen = recordBoth(mock, { errorCode: '-1', errorMessage: 'user cancelled' })
    const platform = createDingTalkPlatform({ env: { platform: 'ios', version: '7.6.0' } })
    expect((await rejectionOf(platform.requestAuthCode('corp-1', 'app-key-1'))).code).toBe('cancelled')
    expect(seen.map(([api]) => api)).toEqual([CURRENT])
  })
})

describe('compareVersions', () => {
  it('compares dotted versions part by part, numerically', async () => {
    const { compareVersions } = await import('./dingtalk')
    expect(compareVersions('7.0.45', '7.0.45')).toBe(0)
    expect(compareVersions('7.0.50', '7.0.45')).toBeGreaterThan(0)
    expect(compareVersions('7.0.9', '7.0.45')).toBeLessThan(0)
    expect(compareVersions('7.6', '7.0.45')).toBeGreaterThan(0)
    expect(compareVersions('7.0.45.1', '7.0.45')).toBeGreaterThan(0)
  })
})

describe('browser platform', () => {
  beforeEach(() => {
    vi.spyOn(window, 'open').mockImplementation(() => null)
  })

  it('has no login bridge: requestAuthCode fails with not_in_dingtalk', async () => {
    const error = await rejectionOf(browserPlatform.requestAuthCode('ding-corp-1'))
    expect(error.code).toBe('not_in_dingtalk')
  })

  it('opens links in a new tab without giving the page a handle on ours', async () => {
    await browserPlatform.openLink('https://example.com/doc')
    expect(window.open).toHaveBeenCalledWith('https://example.com/doc', '_blank', 'noopener')
  })

  it('puts the screen title on the tab', async () => {
    await browserPlatform.setTitle('选择文档')
    expect(document.title).toBe('选择文档')
  })

  it('stands in for pause and resume with the tab being hidden and shown again', () => {
    let visibility: DocumentVisibilityState = 'visible'
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility)
    const paused = vi.fn()
    const resumed = vi.fn()
    const releasePause = browserPlatform.onPause(paused)
    const releaseResume = browserPlatform.onResume(resumed)
    const turn = (state: DocumentVisibilityState) => {
      visibility = state
      document.dispatchEvent(new Event('visibilitychange'))
    }
    turn('hidden')
    turn('visible')
    expect([paused.mock.calls.length, resumed.mock.calls.length]).toEqual([1, 1])
    releasePause()
    releaseResume()
    turn('hidden')
    turn('visible')
    expect([paused.mock.calls.length, resumed.mock.calls.length]).toEqual([1, 1])
  })

  it('leaves the browser’s own back button alone', () => {
    const handler = vi.fn()
    browserPlatform.onBack(handler)()
    window.dispatchEvent(new PopStateEvent('popstate'))
    expect(handler).not.toHaveBeenCalled()
  })
})

describe('isInDingTalk', () => {
  const chromeUa = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36'
  it.each([
    ['Android DingTalk', 'Mozilla/5.0 (Linux; Android 14) AliApp(DingTalk/7.6.0) DingTalk/7.6.0', '', true],
    ['iOS DingTalk', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AliApp(DingTalk/7.6.0)', '', true],
    ['DingTalk PC (window.name)', chromeUa, '{"containerId":"c1","hostVersion":"7.6.0"}', true],
    ['plain browser', chromeUa, '', false],
    ['window.name JSON without containerId', chromeUa, '{"foo":1}', false],
    ['window.name that is not JSON', chromeUa, '{broken', false],
  ])('%s → %s', (_label, ua, name, expected) => {
    expect(isInDingTalk(ua, name)).toBe(expected)
  })
})
