import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBodySchema, EvidenceLookupResponseSchema } from '@contract/api'
import { SEED } from '../emulator/seed'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'
import { makePng } from '../../testing/sample-files'
import { claimFor, issueCodes, sha256Hex, uploadWithEvidence } from '../../testing/evidence'

// weeklyReport: 张伟 OWNER, 刘洋 MANAGER, 李娜 EDITOR (the uploader), 王芳 READER, 陈静 no access.
const DOC = SEED.docs.weeklyReport.docId
const errorCode = (body: string) => ErrorBodySchema.parse(JSON.parse(body)).error.code

describe('GET /api/evidence/:code, DELETE, the register and its CSV', () => {
  let t: TestApp
  const who = {} as Record<'lina' | 'zhangwei' | 'liuyang' | 'wangfang' | 'chenjing', SignedIn>
  let code: string
  let png: Buffer

  beforeAll(async () => {
    t = await createTestApp({ env: { EVIDENCE_LOOKUPS_PER_MINUTE: '1000' } })
    for (const key of ['lina', 'zhangwei', 'liuyang', 'wangfang', 'chenjing'] as const) who[key] = await t.signIn(key)
    ;[code] = (await issueCodes(t, who.lina, 1)) as [string]
    png = await makePng(21, 30, 30)
    await uploadWithEvidence(t, who.lina, DOC, png, claimFor(code, who.lina.user, { place: '杭州 西湖区' }))
  })
  afterAll(async () => {
    await t.close()
  })

  const lookup = (c: string, as?: SignedIn) =>
    t.inject({ method: 'GET', url: `/api/evidence/${c}`, headers: as ? { cookie: as.cookie } : {} })

  it('answers anyone with what the stamp shows and what the server knows, in any case and without hyphens', async () => {
    for (const spelled of [code, code.toLowerCase(), code.replace(/-/g, '')]) {
      const res = await lookup(spelled)
      expect(res.statusCode).toBe(200)
      const body = EvidenceLookupResponseSchema.parse(res.json())
      expect(Object.keys(res.json()).sort()).toEqual(
        ['code', 'sha256', 'receivedAt', 'takenAt', 'takenAtSource', 'place', 'lines', 'withdrawn', 'document', 'uploader'].sort(),
      )
      expect(body).toMatchObject({ code, sha256: sha256Hex(png), place: '杭州 西湖区', withdrawn: null, document: null, uploader: null })
    }
  })

  it('shows document and uploader to a signed-in reader only', async () => {
    expect((await lookup(code, who.wangfang)).json()).toMatchObject({
      document: { docId: DOC, name: SEED.docs.weeklyReport.name },
      uploader: { name: who.lina.user.name },
    })
    expect((await lookup(code, who.chenjing)).json()).toMatchObject({ document: null, uploader: null })
  })

  it('answers 400 for a malformed code and 404 for an unknown one', async () => {
    for (const bad of ['ABC', 'ABCD-EFGH-IJKL', 'ABCD-EFGH-JKMN-P', '%3Cscript%3E']) {
      const res = await lookup(bad)
      expect(res.statusCode).toBe(400)
      expect(errorCode(res.body)).toBe('invalid_request')
    }
    const unknown = await lookup('0000-0000-0000')
    expect(unknown.statusCode).toBe(404)
    expect(errorCode(unknown.body)).toBe('not_found')
  })

  it('lists the register newest first for readers, and refuses others', async () => {
    const [second] = (await issueCodes(t, who.zhangwei, 1)) as [string]
    t.clock.advance(1000)
    await uploadWithEvidence(t, who.zhangwei, DOC, await makePng(22), claimFor(second, who.zhangwei.user))
    const res = await t.inject({ method: 'GET', url: `/api/documents/${DOC}/evidence`, headers: { cookie: who.wangfang.cookie } })
    expect(res.statusCode).toBe(200)
    expect(
      res
        .json()
        .items.map((r: { code: string }) => r.code)
        .slice(0, 2),
    ).toEqual([second, code])
    expect(res.json().nextCursor).toBeNull()
    const stranger = await t.inject({ method: 'GET', url: `/api/documents/${DOC}/evidence`, headers: { cookie: who.chenjing.cookie } })
    expect(stranger.statusCode).toBe(403)
    expect(errorCode(stranger.body)).toBe('forbidden')
    const missing = await t.inject({ method: 'GET', url: '/api/documents/doesNotExist1/evidence', headers: { cookie: who.lina.cookie } })
    expect(missing.statusCode).toBe(404)
    expect(errorCode(missing.body)).toBe('document_not_found')
    expect((await t.inject({ method: 'GET', url: `/api/documents/${DOC}/evidence` })).statusCode).toBe(401)
  })

  it('exports CSV with a BOM, the document name, and formula-looking cells defused', async () => {
    const [formula] = (await issueCodes(t, who.lina, 1)) as [string]
    const lines = ['=HYPERLINK("http://evil.example","x")', '+1', '-2', '@SUM(A1)', '\tTab', `拍摄人 ${who.lina.user.name}`]
    await uploadWithEvidence(t, who.lina, DOC, await makePng(23), claimFor(formula, who.lina.user, { lines, place: '=cmd|calc' }))
    const res = await t.inject({
      method: 'GET',
      url: `/api/documents/${DOC}/evidence?format=csv`,
      headers: { cookie: who.wangfang.cookie },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const disposition = String(res.headers['content-disposition'])
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent(SEED.docs.weeklyReport.name)}`)
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; /)
    const row = res.body.split('\r\n').find((l) => l.includes(formula)) ?? ''
    expect(row).toContain(`"'=cmd|calc"`)
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")\n+1\n-2\n@SUM(A1)\n\tTab`)
    expect(row).not.toMatch(/(^|,)"[=+\-@\t]/)
  })

  it('lets the uploader or a manager withdraw, and no one else', async () => {
    const [mine, theirs] = (await issueCodes(t, who.lina, 2)) as [string, string]
    await uploadWithEvidence(t, who.lina, DOC, await makePng(24), claimFor(mine, who.lina.user))
    await uploadWithEvidence(t, who.lina, DOC, await makePng(25), claimFor(theirs, who.lina.user))
    for (const other of [who.wangfang, who.chenjing]) {
      const res = await t.inject({ method: 'DELETE', url: `/api/evidence/${mine}`, headers: other.headers })
      expect(res.statusCode).toBe(403)
      expect(errorCode(res.body)).toBe('forbidden')
    }
    expect((await t.inject({ method: 'DELETE', url: `/api/evidence/${mine}`, headers: { cookie: who.lina.cookie } })).statusCode).toBe(403)
    expect((await t.inject({ method: 'DELETE', url: `/api/evidence/${mine}`, headers: who.lina.headers })).statusCode).toBe(204)
    expect((await t.inject({ method: 'DELETE', url: `/api/evidence/${theirs}`, headers: who.liuyang.headers })).statusCode).toBe(204)
    expect((await lookup(mine)).json().withdrawn).toEqual({ at: new Date(t.clock.now()).toISOString(), by: who.lina.user.name })
    expect((await lookup(theirs)).json().withdrawn).toMatchObject({ by: who.liuyang.user.name })
    const page = await t.inject({ method: 'GET', url: `/v/${theirs}`, headers: { 'accept-language': 'en' } })
    expect(page.body).toContain(`Withdrawn by ${who.liuyang.user.name}`)
    expect((await t.inject({ method: 'DELETE', url: '/api/evidence/0000-0000-0000', headers: who.lina.headers })).statusCode).toBe(404)
  })
})

describe('lookup rate limit', () => {
  it('answers 429 rate_limited with Retry-After past EVIDENCE_LOOKUPS_PER_MINUTE per address', async () => {
    const t = await createTestApp({ env: { EVIDENCE_LOOKUPS_PER_MINUTE: '3' } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await t.inject({ method: 'GET', url: '/api/evidence/0000-0000-0000' })).statusCode)
      expect(statuses).toEqual([404, 404, 404, 429])
      const limited = await t.inject({ method: 'GET', url: '/api/evidence/0000-0000-0000' })
      expect(errorCode(limited.body)).toBe('rate_limited')
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
      const other = await t.inject({ method: 'GET', url: '/api/evidence/0000-0000-0000', remoteAddress: '10.1.2.3' })
      expect(other.statusCode).toBe(404)
    } finally {
      await t.close()
    }
  })
})
