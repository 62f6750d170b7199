import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { InsertionResponseSchema, ResourceResponseSchema } from '@contract/api'
import { makePng } from '../testing/sample-files'
import { startEmulator } from './emulator/index'
import { SEED } from './emulator/seed'
import { EnvError } from './env'
import { startServer, type RunningServer } from './server'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function start(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer({ PORT: '0', EMULATOR_PORT: '0', ...env }, { logger: false, staticRoot: null })
  cleanups.push(() => server.close())
  return server
}

async function signIn(server: RunningServer, userId: string): Promise<{ cookie: string; csrfToken: string }> {
  const code = await fetch(`${server.url}/api/sandbox/auth-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  })
  const { authCode } = (await code.json()) as { authCode: string }
  const session = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ authCode }),
  })
  expect(session.status).toBe(200)
  const { csrfToken } = (await session.json()) as { csrfToken: string }
  return { cookie: (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrfToken }
}

describe('startServer', () => {
  it('starts a sandbox with its own emulator, serves the flow over HTTP, and stops both', async () => {
    const server = await startServer({ PORT: '0', EMULATOR_PORT: '0' }, { logger: false, staticRoot: null })
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const health = await fetch(`${server.url}/api/health`)
    expect(await health.json()).toEqual({ status: 'ok', mode: 'sandbox', store: 'local', storeReachable: true })

    const me = await signIn(server, SEED.users.zhangwei.userId)
    const resolved = await fetch(`${server.url}/api/documents/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: me.cookie, 'x-csrf-token': me.csrfToken, origin: server.url },
      body: JSON.stringify({ url: SEED.docs.weeklyReport.url }),
    })
    expect(resolved.status).toBe(200)
    // In sandbox the document opens in the emulator's view of it.
    const doc = (await resolved.json()) as { url: string }
    expect(doc.url).toBe(`${server.emulatorUrl}/__emulator/documents/${SEED.docs.weeklyReport.docId}`)
    expect((await fetch(doc.url)).status).toBe(200)

    await server.close()
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow()
    await expect(fetch(`${server.emulatorUrl}/__emulator/state`)).rejects.toThrow()
  })

  it('uses a running emulator from EMULATOR_URL, which outlives server restarts (and so do sessions with a fixed secret)', async () => {
    const emulator = await startEmulator({ port: 0 })
    cleanups.push(() => emulator.close())
    const env = { EMULATOR_URL: emulator.url, SESSION_SECRET: 's'.repeat(40) }
    const first = await startServer({ PORT: '0', ...env }, { logger: false, staticRoot: null })
    expect(first.emulatorUrl).toBe(emulator.url)
    const me = await signIn(first, SEED.users.lina.userId)
    await first.close()
    expect((await fetch(`${emulator.url}/__emulator/state`)).status).toBe(200)

    const second = await start(env)
    const session = await fetch(`${second.url}/api/session`, { headers: { cookie: me.cookie } })
    expect(session.status).toBe(200)
    expect(((await session.json()) as { user: { userId: string } }).user.userId).toBe(SEED.users.lina.userId)
  })

  it('keeps a signed-out session signed out after a restart on the same DATA_DIR (no Redis)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'doc-attach-signout-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    const env = { DATA_DIR: dataDir, SESSION_SECRET: 's'.repeat(40) }
    const first = await start(env)
    const me = await signIn(first, SEED.users.lina.userId)
    const copy = await signIn(first, SEED.users.zhangwei.userId)
    const signedOut = await fetch(`${first.url}/api/session`, {
      method: 'DELETE',
      headers: { cookie: me.cookie, 'x-csrf-token': me.csrfToken, origin: first.url },
    })
    expect(signedOut.status).toBe(204)
    expect((await fetch(`${first.url}/api/session`, { headers: { cookie: me.cookie } })).status).toBe(401)
    await first.close()

    const second = await start(env)
    const old = await fetch(`${second.url}/api/session`, { headers: { cookie: me.cookie } })
    expect(old.status).toBe(401)
    expect(((await old.json()) as { error: { code: string } }).error.code).toBe('unauthenticated')
    // Sessions that were not signed out carry on.
    expect((await fetch(`${second.url}/api/session`, { headers: { cookie: copy.cookie } })).status).toBe(200)
  })

  it('remembers across a restart what went into a document, so the same content is still flagged (DATA_DIR)', async () => {
    const emulator = await startEmulator({ port: 0 })
    cleanups.push(() => emulator.close())
    const dataDir = await mkdtemp(join(tmpdir(), 'doc-attach-data-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    const env = { EMULATOR_URL: emulator.url, SESSION_SECRET: 'd'.repeat(40), DATA_DIR: dataDir }
    const bytes = await makePng(77)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const upload = async (server: RunningServer, me: { cookie: string; csrfToken: string }) => {
      const res = await fetch(`${server.url}/api/documents/${SEED.docs.sitePhotos.docId}/resources?name=site.png`, {
        method: 'POST',
        headers: { cookie: me.cookie, 'x-csrf-token': me.csrfToken, 'content-type': 'image/png', 'x-content-sha256': sha256 },
        body: bytes,
      })
      expect(res.status).toBe(201)
      return ResourceResponseSchema.parse(await res.json())
    }

    const first = await startServer({ PORT: '0', ...env }, { logger: false, staticRoot: null })
    const me = await signIn(first, SEED.users.lina.userId)
    const resource = await upload(first, me)
    const inserted = await fetch(`${first.url}/api/documents/${SEED.docs.sitePhotos.docId}/insertions`, {
      method: 'POST',
      headers: { cookie: me.cookie, 'x-csrf-token': me.csrfToken, 'content-type': 'application/json', 'idempotency-key': 'restart-dup-1' },
      body: JSON.stringify({ items: [{ resourceToken: resource.resourceToken }] }),
    })
    expect(inserted.status).toBe(201)
    const { blocks } = InsertionResponseSchema.parse(await inserted.json())
    await first.close()

    const second = await start(env)
    const again = await upload(second, me)
    expect(again.duplicateOf).toMatchObject({ blockId: blocks[0]?.blockId })
  })

  it('starts in live mode against the configured DingTalk hosts, without sandbox routes', async () => {
    const emulator = await startEmulator({ port: 0 })
    cleanups.push(() => emulator.close())
    const server = await start({
      DINGTALK_APP_KEY: 'ding-emulator-app',
      DINGTALK_APP_SECRET: 'emulator-secret',
      DINGTALK_CORP_ID: 'ding-emulator-corp',
      SESSION_SECRET: 'l'.repeat(40),
      DINGTALK_API_BASE: emulator.url,
      DINGTALK_OAPI_BASE: emulator.url,
      HOST: '127.0.0.1',
    })
    expect(server.emulatorUrl).toBeNull()
    expect(await (await fetch(`${server.url}/api/health`)).json()).toEqual({
      status: 'ok',
      mode: 'live',
      store: 'local',
      storeReachable: true,
    })
    expect((await fetch(`${server.url}/api/sandbox/users`)).status).toBe(404)
    // Sign-in goes to the configured oapi host.
    const code = await fetch(`${emulator.url}/__emulator/auth-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: SEED.users.lina.userId }),
    })
    const { authCode } = (await code.json()) as { authCode: string }
    const session = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authCode }),
    })
    expect(session.status).toBe(200)
  })

  it('refuses to start with an invalid environment, listing the problems', async () => {
    await expect(startServer({ DINGTALK_APP_KEY: 'only-one', PORT: 'x' })).rejects.toBeInstanceOf(EnvError)
  })

  it.each(['99', '0.0.0.0/1,128.0.0.0/1', '0.0.0.0/0', '::/0', 'true', 'anyone'])(
    'refuses to start with TRUST_PROXY=%s, in one line naming TRUST_PROXY',
    async (value) => {
      const failed = await startServer({ PORT: '0', EMULATOR_PORT: '0', TRUST_PROXY: value }, { logger: false, staticRoot: null }).then(
        async (server) => {
          await server.close()
          throw new Error(`started with TRUST_PROXY=${value}`)
        },
        (err: unknown) => err,
      )
      if (!(failed instanceof EnvError)) throw failed
      expect(failed.problems).toHaveLength(1)
      expect(failed.problems[0]).toMatch(/^TRUST_PROXY: .*\S$/)
      expect(failed.problems[0]).not.toContain('\n')
    },
  )
})
