import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBodySchema, ResourceResponseSchema } from '@contract/api'
import { SEED } from '../emulator/seed'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'
import { getState } from '../../testing/emulator-control'
import { makePng } from '../../testing/sample-files'
import { claimFor, issueCodes, sha256Hex } from '../../testing/evidence'

const DOC = SEED.docs.weeklyReport.docId
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

describe('evidence on resumable uploads (tus Upload-Metadata "evidence")', () => {
  let t: TestApp
  let staging: string
  let lina: SignedIn
  let zhangwei: SignedIn

  beforeAll(async () => {
    staging = await mkdtemp(join(tmpdir(), 'evidence-tus-'))
    t = await createTestApp({ env: { UPLOAD_STAGING_DIR: staging } })
    lina = await t.signIn('lina')
    zhangwei = await t.signIn('zhangwei')
  })
  afterAll(async () => {
    await t.close()
    await rm(staging, { recursive: true, force: true })
  })

  const create = (who: SignedIn, bytes: Buffer, evidenceJson: string) =>
    t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/uploads`,
      headers: {
        ...who.headers,
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${b64('p.png')},filetype ${b64('image/png')},evidence ${b64(evidenceJson)}`,
      },
    })

  it('records the evidence once the finished upload reached DingTalk', async () => {
    const [code] = (await issueCodes(t, lina, 1)) as [string]
    const png = await makePng(41, 50, 50)
    const created = await create(lina, png, JSON.stringify(claimFor(code, lina.user)))
    expect(created.statusCode).toBe(201)
    const path = new URL(String(created.headers.location)).pathname
    const patched = await t.inject({
      method: 'PATCH',
      url: path,
      headers: { ...lina.headers, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      payload: png,
    })
    expect(patched.statusCode).toBe(204)
    let res = await t.inject({ method: 'GET', url: `${path}/resource`, headers: { cookie: lina.cookie } })
    while (res.statusCode === 202) {
      await new Promise((r) => setTimeout(r, 20))
      res = await t.inject({ method: 'GET', url: `${path}/resource`, headers: { cookie: lina.cookie } })
    }
    expect(res.statusCode).toBe(200)
    const resource = ResourceResponseSchema.parse(res.json())
    expect(resource.evidence?.code).toBe(code)
    const lookup = await t.inject({ method: 'GET', url: `/api/evidence/${code}` })
    expect(lookup.json()).toMatchObject({ sha256: sha256Hex(png) })
  })

  it('refuses a code issued to someone else, or a malformed claim, at creation', async () => {
    const [code] = (await issueCodes(t, zhangwei, 1)) as [string]
    const before = (await getState(t.emulatorUrl)).resources.length
    const png = await makePng(42)
    const refused = await create(lina, png, JSON.stringify(claimFor(code, lina.user)))
    expect(refused.statusCode).toBe(403)
    expect(ErrorBodySchema.parse(refused.json()).error.code).toBe('evidence_code_not_issued')
    const malformed = await create(lina, png, '{"code":')
    expect(malformed.statusCode).toBe(400)
    expect(ErrorBodySchema.parse(malformed.json()).error.code).toBe('invalid_request')
    expect((await getState(t.emulatorUrl)).resources.length).toBe(before)
  })
})
