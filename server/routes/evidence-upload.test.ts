import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBodySchema, EvidenceCodesResponseSchema, EvidenceRegisterResponseSchema } from '@contract/api'
import { SEED } from '../emulator/seed'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'
import { getState } from '../../testing/emulator-control'
import { makePng } from '../../testing/sample-files'
import { claimFor, encodeClaim, issueCodes, postWithEvidence, sha256Hex, uploadWithEvidence } from '../../testing/evidence'

const DOC = SEED.docs.weeklyReport.docId
const errorCode = (body: string) => ErrorBodySchema.parse(JSON.parse(body)).error.code

describe('evidence codes and X-Evidence on POST /api/documents/:docId/resources', () => {
  let t: TestApp
  let lina: SignedIn
  let zhangwei: SignedIn

  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLIC_ORIGIN: 'https://attach.example.com' } })
    lina = await t.signIn('lina')
    zhangwei = await t.signIn('zhangwei')
  })
  afterAll(async () => {
    await t.close()
  })

  it('issues 1 to 100 Crockford codes reserved for 30 days, and refuses other counts', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/evidence/codes', headers: lina.headers, payload: { count: 100 } })
    expect(res.statusCode).toBe(200)
    const body = EvidenceCodesResponseSchema.parse(res.json())
    expect(body.codes).toHaveLength(100)
    expect(new Set(body.codes).size).toBe(100)
    for (const code of body.codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
    const days = (Date.parse(body.expiresAt) - t.clock.now()) / 86_400_000
    expect(days).toBeCloseTo(30, 0)
    for (const count of [0, 101, 1.5, '3']) {
      const bad = await t.inject({ method: 'POST', url: '/api/evidence/codes', headers: lina.headers, payload: { count } })
      expect(bad.statusCode).toBe(400)
      expect(errorCode(bad.body)).toBe('invalid_request')
    }
    const noCsrf = await t.inject({ method: 'POST', url: '/api/evidence/codes', headers: { cookie: lina.cookie }, payload: { count: 1 } })
    expect(noCsrf.statusCode).toBe(403)
    const anonymous = await t.inject({ method: 'POST', url: '/api/evidence/codes', payload: { count: 1 } })
    expect(anonymous.statusCode).toBe(401)
  })

  it('records exactly the bytes DingTalk holds, with the uploader from the session', async () => {
    const [code] = await issueCodes(t, lina, 1)
    const png = await makePng(11, 40, 30)
    const claim = claimFor(code!, lina.user, {
      place: '上海市\u202E浦东新区',
      lines: ['2026-12-08 09:30\u0000', `拍摄人 ${lina.user.name}`, code!],
    })
    const res = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/resources?name=p.png&operatorId=someone-else`,
      headers: { ...lina.headers, 'content-type': 'image/png', 'x-evidence': encodeClaim(claim), unionid: zhangwei.user.unionId },
      payload: png,
    })
    expect(res.statusCode).toBe(201)
    const resource = res.json<{ resourceId: string; resourceUrl: string; evidence: { code: string; verifyUrl: string } }>()
    expect(resource.evidence).toEqual({ code, verifyUrl: `https://attach.example.com/v/${code}` })

    const held = await fetch(`${t.emulatorUrl}${resource.resourceUrl}`)
    const heldBytes = Buffer.from(await held.arrayBuffer())
    const register = EvidenceRegisterResponseSchema.parse(
      (await t.inject({ method: 'GET', url: `/api/documents/${DOC}/evidence`, headers: { cookie: lina.cookie } })).json(),
    )
    const record = register.items.find((r) => r.code === code)
    expect(record).toMatchObject({
      sha256: sha256Hex(heldBytes),
      docId: DOC,
      resourceId: resource.resourceId,
      uploader: { name: lina.user.name },
      place: '上海市浦东新区',
      lines: ['2026-12-08 09:30', `拍摄人 ${lina.user.name}`, code],
      takenAtSource: 'exif',
      blockId: null,
    })
    expect(record?.sha256).toBe(sha256Hex(png))
    expect(Date.parse(record?.receivedAt ?? '')).toBe(t.clock.now())
  })

  it('refuses a code issued to someone else with 403 before anything reaches DingTalk', async () => {
    const [code] = await issueCodes(t, zhangwei, 1)
    const before = (await getState(t.emulatorUrl)).resources.length
    const res = await postWithEvidence(t, lina, DOC, await makePng(12), claimFor(code!, lina.user))
    expect(res.statusCode).toBe(403)
    expect(errorCode(res.body)).toBe('evidence_code_not_issued')
    const never = await postWithEvidence(t, lina, DOC, await makePng(12), claimFor('ZZZZ-ZZZZ-ZZZZ', lina.user))
    expect(errorCode(never.body)).toBe('evidence_code_not_issued')
    expect((await getState(t.emulatorUrl)).resources.length).toBe(before)
  })

  it('answers a resend of the same bytes with 201 and the first record, and other bytes with 409', async () => {
    const [code] = await issueCodes(t, lina, 1)
    const png = await makePng(13, 20, 20)
    const claim = claimFor(code!, lina.user)
    const first = await uploadWithEvidence(t, lina, DOC, png, claim)
    t.clock.advance(5_000)
    const again = await uploadWithEvidence(t, lina, DOC, png, { ...claim, lines: ['changed'] })
    expect(again.evidence).toEqual(first.evidence)
    const lookup = await t.inject({ method: 'GET', url: `/api/evidence/${code}` })
    expect(lookup.json()).toMatchObject({ lines: claim.lines, sha256: sha256Hex(png) })

    const other = await makePng(14, 20, 20)
    const late = await postWithEvidence(t, lina, DOC, other, claim)
    expect(late.statusCode).toBe(409)
    expect(errorCode(late.body)).toBe('evidence_code_used')
    // With the hash announced, the conflict is found before DingTalk sees a byte.
    const before = (await getState(t.emulatorUrl)).resources.length
    const early = await postWithEvidence(t, lina, DOC, other, claim, { 'x-content-sha256': sha256Hex(other) })
    expect(early.statusCode).toBe(409)
    expect(errorCode(early.body)).toBe('evidence_code_used')
    expect((await getState(t.emulatorUrl)).resources.length).toBe(before)
  })

  it('refuses malformed and oversized claims with 400 invalid_request', async () => {
    const [code] = await issueCodes(t, lina, 1)
    const png = await makePng(15)
    const cases: (string | object)[] = [
      'not base64!',
      encodeClaim('just a string'),
      encodeClaim({ ...claimFor(code!, lina.user), takenAt: '2026-12-08 09:30' }),
      encodeClaim({ ...claimFor(code!, lina.user), takenAtSource: 'guess' }),
      encodeClaim({ ...claimFor(code!, lina.user), lines: Array.from({ length: 9 }, () => 'x') }),
      encodeClaim({ ...claimFor(code!, lina.user), lines: ['x'.repeat(201)] }),
      encodeClaim({ ...claimFor(code!, lina.user), code: 'abcd' }),
      encodeClaim({ ...claimFor(code!, lina.user), place: 'p'.repeat(190), lines: Array.from({ length: 8 }, () => '界'.repeat(190)) }),
    ]
    for (const header of cases) {
      const res = await postWithEvidence(t, lina, DOC, png, typeof header === 'string' ? header : encodeClaim(header))
      expect(res.statusCode, String(header).slice(0, 40)).toBe(400)
      expect(errorCode(res.body)).toBe('invalid_request')
    }
  })

  it('answers evidence: null without X-Evidence', async () => {
    const res = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/resources?name=plain.png`,
      headers: { ...lina.headers, 'content-type': 'image/png' },
      payload: await makePng(16),
    })
    expect(res.statusCode).toBe(201)
    expect(res.json().evidence).toBeNull()
  })
})

describe('evidence unavailable (REDIS_URL without DATABASE_URL)', () => {
  it('says so in config and the log, and refuses X-Evidence with 400', async () => {
    const t = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' }, evidenceRegistry: null })
    try {
      const config = await t.inject({ method: 'GET', url: '/api/config' })
      expect(config.json().evidence).toEqual({ available: false, default: false })
      expect(t.logs.some((l) => l.includes('DATABASE_URL'))).toBe(true)
      const lina = await t.signIn('lina')
      const res = await postWithEvidence(t, lina, DOC, await makePng(17), claimFor('ABCD-EFGH-JKMN', lina.user))
      expect(res.statusCode).toBe(400)
      expect(errorCode(res.body)).toBe('invalid_request')
    } finally {
      await t.close()
    }
  })

  it('EVIDENCE_DEFAULT=on turns the default on', async () => {
    const t = await createTestApp({ env: { EVIDENCE_DEFAULT: 'on' } })
    try {
      expect((await t.inject({ method: 'GET', url: '/api/config' })).json().evidence).toEqual({ available: true, default: true })
    } finally {
      await t.close()
    }
  })
})
