import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBodySchema, JsapiConfigResponseSchema } from '@contract/api'
import { EMULATOR_CREDENTIALS } from '../env'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'
import { getRequests } from '../../testing/emulator-control'

describe('GET /api/jsapi-config', () => {
  let t: TestApp
  let lina: SignedIn

  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLIC_ORIGIN: 'https://attach.example.com' } })
    lina = await t.signIn('lina')
  })
  afterAll(async () => {
    await t.close()
  })

  const get = (url: string, who: SignedIn | null = lina) =>
    t.inject({ method: 'GET', url: `/api/jsapi-config?url=${encodeURIComponent(url)}`, headers: who ? { cookie: who.cookie } : {} })

  it('signs the page URL with the emulator ticket, fetched once for many signatures', async () => {
    const before = (await getRequests(t.emulatorUrl)).filter((r) => r.path === '/get_jsapi_ticket').length
    const page = 'https://attach.example.com/?corpId=ding-emulator-corp&name=%E7%8E%B0%E5%9C%BA'
    const answers = await Promise.all([get(`${page}#/attach`), get(page), get(page)])
    const { ticket } = (await (await fetch(`${t.emulatorUrl}/__emulator/jsapi-ticket`)).json()) as { ticket: string }
    for (const res of answers) {
      expect(res.statusCode).toBe(200)
      const body = JsapiConfigResponseSchema.parse(res.json())
      expect(body).toMatchObject({ agentId: EMULATOR_CREDENTIALS.agentId, corpId: EMULATOR_CREDENTIALS.corpId })
      expect(body.timeStamp).toBe(Math.floor(t.clock.now() / 1000))
      const signed = `jsapi_ticket=${ticket}&noncestr=${body.nonceStr}&timestamp=${body.timeStamp}&url=${decodeURIComponent(page)}`
      expect(body.signature).toBe(createHash('sha1').update(signed).digest('hex'))
    }
    const after = (await getRequests(t.emulatorUrl)).filter((r) => r.path === '/get_jsapi_ticket').length
    expect(after - before).toBe(1)
  })

  it('refuses a URL on another origin, and anyone signed out', async () => {
    const res = await get('https://evil.example.com/')
    expect(res.statusCode).toBe(400)
    expect(ErrorBodySchema.parse(res.json()).error.code).toBe('invalid_request')
    expect((await get('not a url')).statusCode).toBe(400)
    expect((await get('https://attach.example.com/', null)).statusCode).toBe(401)
  })
})
