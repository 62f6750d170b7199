import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEED } from '../emulator/seed'
import type { Profile } from '../emulator/profiles'
import { createTestApp, type SignedIn, type TestApp } from '../../testing/test-app'
import { describeBlock, documentBlocks } from '../../testing/app-helpers'
import { getRequests } from '../../testing/emulator-control'
import { makePng } from '../../testing/sample-files'
import { claimFor, issueCodes, uploadWithEvidence } from '../../testing/evidence'

const DOC = SEED.docs.weeklyReport.docId

describe.each<Profile>(['rich', 'documented', 'minimal'])('the evidence code after the image (%s profile)', (profile) => {
  let t: TestApp
  let lina: SignedIn
  let seed = 100

  beforeAll(async () => {
    t = await createTestApp({ emulator: { profile } })
    lina = await t.signIn('lina')
  })
  afterAll(async () => {
    await t.close()
  })

  const evidencePhoto = async () => {
    const [code] = (await issueCodes(t, lina, 1)) as [string]
    const resource = await uploadWithEvidence(t, lina, DOC, await makePng(seed++), claimFor(code, lina.user))
    return { code, resource }
  }
  const insert = async (items: { resourceToken: string; caption?: string }[], layout: 'separate' | 'together') => {
    const res = await t.inject({
      method: 'POST',
      url: `/api/documents/${DOC}/insertions`,
      headers: { ...lina.headers, 'idempotency-key': `ev-${profile}-${seed}-${layout}` },
      payload: { items, layout },
    })
    expect(res.statusCode).toBe(201)
    return res.json<{ blocks: { blockId: string; resourceId: string }[] }>().blocks
  }
  const insertCalls = async () => (await getRequests(t.emulatorUrl)).filter((r) => r.method === 'POST' && r.path.endsWith('/blocks')).length

  it('puts the code as a link to its verify page right after the image, with and without a caption, at no extra call', async () => {
    const a = await evidencePhoto()
    const b = await evidencePhoto()
    const before = await insertCalls()
    const blocks = await insert(
      [{ resourceToken: a.resource.resourceToken }, { resourceToken: b.resource.resourceToken, caption: '东侧外墙' }],
      'separate',
    )
    expect((await insertCalls()) - before).toBe(3)
    const shown = (await documentBlocks(t.emulatorUrl, DOC)).slice(-3).map(describeBlock)
    expect(shown).toEqual([
      `img:${a.resource.resourceUrl}+link:${a.resource.evidence?.verifyUrl}`,
      `img:${b.resource.resourceUrl}+link:${b.resource.evidence?.verifyUrl}`,
      '东侧外墙',
    ])
    const stored = (await documentBlocks(t.emulatorUrl, DOC)).at(-3)
    expect(stored?.children?.[1]).toMatchObject({ elementType: 'link', children: [{ text: a.code }] })
    const record = (await t.inject({ method: 'GET', url: `/api/documents/${DOC}/evidence`, headers: { cookie: lina.cookie } }))
      .json<{ items: { code: string; blockId: string | null }[] }>()
      .items.find((r) => r.code === a.code)
    expect(record?.blockId).toBe(blocks[0]?.blockId)
  })

  it('puts each code after its own image when the photos share a paragraph', async () => {
    const a = await evidencePhoto()
    const b = await evidencePhoto()
    const before = await insertCalls()
    await insert([{ resourceToken: a.resource.resourceToken, caption: '北侧' }, { resourceToken: b.resource.resourceToken }], 'together')
    expect((await insertCalls()) - before).toBe(2)
    const shown = (await documentBlocks(t.emulatorUrl, DOC)).slice(-2).map(describeBlock)
    expect(shown).toEqual([
      `img:${a.resource.resourceUrl}+link:${a.resource.evidence?.verifyUrl}+img:${b.resource.resourceUrl}+link:${b.resource.evidence?.verifyUrl}`,
      '1. 北侧',
    ])
  })
})
