import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEED } from '../emulator/seed'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'
import { makePng } from '../../testing/sample-files'
import { claimFor, issueCodes, sha256Hex, uploadWithEvidence } from '../../testing/evidence'

const DOC = SEED.docs.weeklyReport.docId

describe('GET /v/:code', () => {
  let t: TestApp
  let lina: SignedIn
  let wangfang: SignedIn

  beforeAll(async () => {
    t = await createTestApp()
    lina = await t.signIn('lina')
    wangfang = await t.signIn('wangfang')
  })
  afterAll(async () => {
    await t.close()
  })

  const page = (code: string, headers: Record<string, string> = {}) => t.inject({ method: 'GET', url: `/v/${code}`, headers })

  it('says what is proven and what is claimed, in Chinese by default, escaping every supplied text', async () => {
    const [code] = (await issueCodes(t, lina, 1)) as [string]
    const png = await makePng(31)
    const hostile = '<img src=x onerror=alert(1)>'
    await uploadWithEvidence(t, lina, DOC, png, claimFor(code, lina.user, { place: hostile, lines: [hostile, `拍摄人 ${lina.user.name}`] }))
    const res = await page(code.toLowerCase())
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toContain('<html lang="zh-CN">')
    expect(res.body).toContain('服务器于')
    expect(res.body).toContain(sha256Hex(png))
    expect(res.body).toContain('据手机记录，拍摄于 2026-12-08 09:30:00 (UTC+08:00)')
    expect(res.body).not.toContain(hostile)
    expect(res.body).toContain('&#60;img src=x onerror=alert(1)&#62;')
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)/)
    expect(res.body).toContain('prefers-color-scheme:dark')
    expect(res.body).not.toContain('data-testid="verify-flag-name"')
    expect(res.body).not.toContain('data-testid="verify-document-link"')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
  })

  it('speaks English when the browser prefers it, and links readers to the document', async () => {
    const [code] = (await issueCodes(t, lina, 1)) as [string]
    await uploadWithEvidence(t, lina, DOC, await makePng(32), claimFor(code, lina.user, { takenAtSource: 'picked' }))
    const res = await page(code, { 'accept-language': 'en-US,en;q=0.9', cookie: wangfang.cookie })
    expect(res.body).toContain('<html lang="en">')
    expect(res.body).toContain('The server received this photo at')
    expect(res.body).toContain('picked at 2026-12-08 09:30:00 (UTC+08:00), according to the phone')
    expect(res.body).toContain('This is the original, byte for byte.')
    expect(res.body).toContain(`Uploaded by: ${lina.user.name}`)
    expect(res.body).toContain(`href="${t.config.documentUrl(DOC)}"`)
  })

  it('flags a stamped name that is not the uploader and a stamped time after receipt', async () => {
    const [code] = (await issueCodes(t, lina, 1)) as [string]
    const claim = claimFor(code, lina.user, { takenAt: '2099-01-01T00:00:00+08:00', lines: ['拍摄人 王五', code] })
    await uploadWithEvidence(t, lina, DOC, await makePng(33), claim)
    const res = await page(code)
    expect(res.body).toContain('data-testid="verify-flag-name"')
    expect(res.body).toContain('data-testid="verify-flag-time"')
  })

  it('answers 200 saying a well-formed code is unknown, and 400 for a malformed one', async () => {
    const unknown = await page('0000-0000-0000')
    expect(unknown.statusCode).toBe(200)
    expect(unknown.body).toContain('data-state="unknown"')
    const malformed = await page('not-a-code')
    expect(malformed.statusCode).toBe(400)
    expect(malformed.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(malformed.body).toContain('data-state="malformed"')
  })
})
