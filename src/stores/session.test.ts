import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useSessionStore } from './session'
import { setPlatform, PlatformError, type Platform } from '@/platform'
import { http } from '@/api/http'
import { errorReply, installFakeApi, type FakeApi } from '@testing/fake-api'
import { fakePlatform } from '@testing/fake-platform'

const CONFIG = (mode: 'sandbox' | 'live', corpId = 'ding-emulator-corp') => ({
  status: 200,
  body: { mode, corpId, limits: { maxFileBytes: 100, maxImageBytes: 20, maxFilesPerBatch: 50, acceptedTypes: ['image/jpeg'] } },
})
const SESSION = (userId: string, name: string) => ({
  status: 200,
  body: { user: { userId, unionId: `union-${userId}`, name }, csrfToken: `csrf-${userId}` },
})
const HINT_KEY = 'doc-attach:has-session'

function fakeDingTalk(requestAuthCode: Platform['requestAuthCode']): Platform & { asked: string[] } {
  const asked: string[] = []
  return Object.assign(
    fakePlatform({
      kind: 'dingtalk',
      requestAuthCode: (corpId) => {
        asked.push(corpId)
        return requestAuthCode(corpId)
      },
    }),
    { asked },
  )
}

let api: FakeApi

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
  api = installFakeApi()
  setPlatform(null)
  Object.defineProperty(window, 'name', { value: '', configurable: true, writable: true })
})
afterEach(() => {
  api.restore()
  setPlatform(null)
})

describe('sandbox sign-in (outside DingTalk)', () => {
  beforeEach(() => {
    api.on('GET /config', CONFIG('sandbox'))
    api.on('GET /sandbox/users', {
      status: 200,
      body: {
        items: [
          { userId: 'zhangwei', name: '张伟' },
          { userId: 'lina', name: '李娜' },
        ],
      },
    })
  })

  it('offers the demo users, then signs in through auth-codes and the same POST /api/session', async () => {
    api.on('POST /sandbox/auth-codes', (req) => ({
      status: 200,
      body: { authCode: `code-for-${(req.body as { userId: string }).userId}` },
    }))
    api.on('POST /session', (req) =>
      (req.body as { authCode: string }).authCode === 'code-for-lina' ? SESSION('lina', '李娜') : errorReply(401, 'auth_code_invalid'),
    )
    const session = useSessionStore()
    await session.boot(null)
    expect(session.status).toBe('choose-user')
    expect(session.isSandbox).toBe(true)
    expect(session.sandboxUsers.map((u) => u.userId)).toEqual(['zhangwei', 'lina'])
    // A first visit does not ask for a session it cannot have (no 401 in the console).
    expect(api.count('GET /session')).toBe(0)

    await session.signInAs('lina')
    expect(session.status).toBe('signed-in')
    expect(session.user?.name).toBe('李娜')
    expect(api.calls.find((c) => c.path === '/sandbox/auth-codes')?.body).toEqual({ userId: 'lina' })

    // Later state-changing calls carry the csrf token from the session.
    api.on('POST /documents/resolve', { status: 200, body: {} })
    await http.post('/documents/resolve', {})
    expect(api.calls.at(-1)?.headers['x-csrf-token']).toBe('csrf-lina')
  })

  it('shows auth_code_invalid as a failure with a retry that gets a fresh code', async () => {
    let issued = 0
    api.on('POST /sandbox/auth-codes', () => ({ status: 200, body: { authCode: `code-${++issued}` } }))
    api.on('POST /session', (req) =>
      (req.body as { authCode: string }).authCode === 'code-1' ? errorReply(401, 'auth_code_invalid') : SESSION('zhangwei', '张伟'),
    )
    const session = useSessionStore()
    await session.boot(null)
    await session.signInAs('zhangwei')
    expect(session.status).toBe('failed')
    expect(session.error).toMatchObject({ code: 'auth_code_invalid', status: 401 })
    expect(session.user).toBeNull()

    await session.retry()
    expect(session.status).toBe('signed-in')
    expect(session.user?.name).toBe('张伟')
    expect(api.count('POST /sandbox/auth-codes')).toBe(2)
  })

  it('signs out back to the demo users and forgets the csrf token', async () => {
    localStorage.setItem(HINT_KEY, '1')
    api.on('GET /session', SESSION('zhangwei', '张伟'))
    api.on('DELETE /session', { status: 204 })
    const session = useSessionStore()
    await session.boot(null)
    await session.signOut()
    expect(session.status).toBe('choose-user')
    expect(session.user).toBeNull()
    expect(localStorage.getItem(HINT_KEY)).toBeNull()
    api.on('POST /documents/resolve', { status: 200, body: {} })
    await http.post('/documents/resolve', {})
    expect(api.calls.at(-1)?.headers['x-csrf-token']).toBeUndefined()
  })
})

describe('existing session', () => {
  it('keeps a person signed in across a reload without any sign-in call', async () => {
    localStorage.setItem(HINT_KEY, '1')
    api.on('GET /config', CONFIG('sandbox'))
    api.on('GET /session', SESSION('zhangwei', '张伟'))
    const session = useSessionStore()
    await session.boot(null)
    expect(session.status).toBe('signed-in')
    expect(session.user).toEqual({ userId: 'zhangwei', unionId: 'union-zhangwei', name: '张伟' })
    expect(api.count('POST /session')).toBe(0)
    expect(api.count('GET /sandbox/users')).toBe(0)
  })

  it('falls back to sign-in when the remembered session has expired', async () => {
    localStorage.setItem(HINT_KEY, '1')
    api.on('GET /config', CONFIG('sandbox'))
    api.on('GET /session', errorReply(401, 'unauthenticated'))
    api.on('GET /sandbox/users', { status: 200, body: { items: [] } })
    const session = useSessionStore()
    await session.boot(null)
    expect(session.status).toBe('choose-user')
    expect(localStorage.getItem(HINT_KEY)).toBeNull()
  })

  it('shows a server failure on boot with a retry instead of a blank screen', async () => {
    localStorage.setItem(HINT_KEY, '1')
    api.on('GET /config', CONFIG('sandbox'))
    api.on('GET /session', { fail: 'network' })
    const session = useSessionStore()
    await session.boot(null)
    expect(session.status).toBe('failed')
    expect(session.error).toMatchObject({ code: 'network_error' })
    api.on('GET /session', SESSION('zhangwei', '张伟'))
    await session.retry()
    expect(session.status).toBe('signed-in')
  })

  it('goes back to sign-in when another call finds the session expired', async () => {
    localStorage.setItem(HINT_KEY, '1')
    api.on('GET /config', CONFIG('sandbox'))
    api.on('GET /session', SESSION('zhangwei', '张伟'))
    api.on('GET /sandbox/users', { status: 200, body: { items: [{ userId: 'zhangwei', name: '张伟' }] } })
    api.on('GET /workspaces', errorReply(401, 'unauthenticated'))
    const session = useSessionStore()
    await session.boot(null)
    await http.get('/workspaces').catch(() => undefined)
    await vi.waitFor(() => expect(session.status).toBe('choose-user'))
    expect(session.user).toBeNull()
  })
})

describe('inside DingTalk', () => {
  it('signs in silently with the corpId from the URL', async () => {
    api.on('GET /config', CONFIG('live', 'corp-from-config'))
    api.on('POST /session', (req) =>
      (req.body as { authCode: string }).authCode === 'dt-code' ? SESSION('u1', '王芳') : errorReply(401, 'auth_code_invalid'),
    )
    const platform = fakeDingTalk(() => Promise.resolve('dt-code'))
    setPlatform(platform)
    const session = useSessionStore()
    await session.boot('corp-from-url')
    expect(platform.asked).toEqual(['corp-from-url'])
    expect(session.status).toBe('signed-in')
    expect(session.user?.name).toBe('王芳')
    expect(session.isSandbox).toBe(false)
  })

  it('uses the corpId from /api/config when the URL has none', async () => {
    api.on('GET /config', CONFIG('live', 'corp-from-config'))
    api.on('POST /session', SESSION('u1', '王芳'))
    const platform = fakeDingTalk(() => Promise.resolve('dt-code'))
    setPlatform(platform)
    await useSessionStore().boot(null)
    expect(platform.asked).toEqual(['corp-from-config'])
  })

  it('passes the app key from /api/config as clientId, and none when the server gives none', async () => {
    const asked: unknown[] = []
    setPlatform(
      fakePlatform({
        kind: 'dingtalk',
        requestAuthCode: (corpId, clientId) => {
          asked.push([corpId, clientId])
          return Promise.resolve('dt-code')
        },
      }),
    )
    api.on('POST /session', SESSION('u1', '王芳'))
    api.on('GET /config', { status: 200, body: { ...CONFIG('live', 'corp').body, clientId: 'dingappkey' } })
    await useSessionStore().boot(null)
    // A fresh page on a server that does not send clientId.
    setActivePinia(createPinia())
    localStorage.clear()
    api.on('GET /config', CONFIG('live', 'corp'))
    await useSessionStore().boot(null)
    expect(asked).toEqual([
      ['corp', 'dingappkey'],
      ['corp', null],
    ])
  })

  it('shows a cancelled login with a retry that asks DingTalk again', async () => {
    api.on('GET /config', CONFIG('live'))
    api.on('POST /session', SESSION('u1', '王芳'))
    let attempts = 0
    const platform = fakeDingTalk(() =>
      ++attempts === 1 ? Promise.reject(new PlatformError('cancelled', 'user cancelled', '-1')) : Promise.resolve('dt-code'),
    )
    setPlatform(platform)
    const session = useSessionStore()
    await session.boot('corp')
    expect(session.status).toBe('failed')
    expect(session.error).toMatchObject({ name: 'PlatformError', code: 'cancelled' })
    await session.retry()
    expect(session.status).toBe('signed-in')
    expect(platform.asked).toHaveLength(2)
  })

  it('explains a missing corpId instead of calling the bridge with nothing', async () => {
    api.on('GET /config', CONFIG('live', ''))
    const platform = fakeDingTalk(() => Promise.resolve('dt-code'))
    setPlatform(platform)
    const session = useSessionStore()
    await session.boot(null)
    expect(session.status).toBe('failed')
    expect(session.error).toMatchObject({ code: 'missing_corp_id' })
    expect(platform.asked).toEqual([])
  })
})

describe('live mode outside DingTalk', () => {
  it('asks the person to open the app from the workbench and offers no demo users', async () => {
    api.on('GET /config', CONFIG('live'))
    const session = useSessionStore()
    await session.boot(null)
    expect(session.status).toBe('open-in-dingtalk')
    expect(api.count('GET /sandbox/users')).toBe(0)
  })
})

describe('starting without signal', () => {
  const setOnline = (value: boolean) => {
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => value })
    window.dispatchEvent(new Event(value ? 'online' : 'offline'))
  }
  afterEach(() => setOnline(true))

  async function signInOnlineThenGoOffline(): Promise<void> {
    api.on('GET /config', CONFIG('sandbox'))
    api.on('GET /session', SESSION('lina', '李娜'))
    localStorage.setItem(HINT_KEY, '1')
    await useSessionStore().boot(null)
    expect(useSessionStore().user?.userId).toBe('lina')
    setActivePinia(createPinia())
    setOnline(false)
    api.on('GET /config', { fail: 'network' })
    api.on('GET /session', { fail: 'network' })
  }

  it('starts as the person signed in last, with the last config, and confirms the session once online', async () => {
    await signInOnlineThenGoOffline()
    const session = useSessionStore()
    await session.boot(null)
    expect([session.status, session.user?.userId, session.unverified, session.mode]).toEqual(['signed-in', 'lina', true, 'sandbox'])

    // A state-changing call waits for the confirmation (it needs the session's CSRF token).
    api.on('POST /evidence/codes', (req) => ({ status: 200, body: { csrf: req.headers['x-csrf-token'] ?? null } }))
    const write = http.post('/evidence/codes', { count: 1 })
    api.on('GET /session', SESSION('lina', '李娜'))
    setOnline(true)
    expect((await write).data).toEqual({ csrf: 'csrf-lina' })
    expect(session.unverified).toBe(false)
  })

  it('a session that ended while offline sends the person to sign in once the network is back', async () => {
    await signInOnlineThenGoOffline()
    const session = useSessionStore()
    await session.boot(null)
    expect(session.signedIn).toBe(true)
    api.on('GET /session', errorReply(401, 'unauthenticated'))
    api.on('GET /config', CONFIG('sandbox'))
    api.on('GET /sandbox/users', { status: 200, body: { items: [] } })
    setOnline(true)
    await vi.waitFor(() => expect(session.status).toBe('choose-user'))
    expect(session.user).toBeNull()
  })

  it('without a person signed in before on this device, offline start fails as before (nothing to show)', async () => {
    setOnline(false)
    api.on('GET /config', { fail: 'network' })
    api.on('GET /session', { fail: 'network' })
    localStorage.setItem(HINT_KEY, '1')
    const session = useSessionStore()
    await session.boot(null)
    expect(session.status).toBe('failed')
  })
})
