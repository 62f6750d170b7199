/**
 * The answer-profile verdict of `npm run smoke:live`: pure point-by-point matching, then the whole
 * smoke run against the emulator playing each profile (and each oapi token kind), which must name
 * the profile the emulator plays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDingTalkClient } from '../server/dingtalk/client'
import { startEmulator } from '../server/emulator'
import { SEED } from '../server/emulator/seed'
import { readInsertAnswer, runSmoke, type SmokeConfig } from './smoke-live'
import { describeMatch, matchProfile } from './smoke-profile'

describe('matchProfile', () => {
  it('names rich when every point shows the generous reading', () => {
    const m = matchProfile({
      blocksShowChildren: true,
      attachmentReadAs: 'attachment',
      insertAnswer: 'with-children',
      appendAnswer: 'element',
      emptyList: 'kept',
      v1TokenOnOapi: true,
    })
    expect(m).toMatchObject({ profile: 'rich', exact: true, oapiToken: 'any' })
  })

  it('names documented and minimal from the insert and append answers', () => {
    const documented = { blocksShowChildren: false, attachmentReadAs: 'Undefined', emptyList: 'left-out' } as const
    expect(matchProfile({ ...documented, insertAnswer: 'without-children', appendAnswer: 'element' })).toMatchObject({
      profile: 'documented',
      exact: true,
    })
    expect(matchProfile({ ...documented, insertAnswer: 'bare', appendAnswer: 'bare', v1TokenOnOapi: false })).toMatchObject({
      profile: 'minimal',
      exact: true,
      oapiToken: 'legacy',
    })
  })

  it('gives the closest profile and the points that differ for a mixed organisation', () => {
    const m = matchProfile({
      blocksShowChildren: false,
      insertAnswer: 'with-children',
      emptyList: 'left-out',
      attachmentReadAs: 'Undefined',
    })
    expect(m.exact).toBe(false)
    const verdict = describeMatch(m).find((l) => l.check === 'answer profile')?.result
    expect(verdict).toMatch(/^closest: (documented|minimal); differs on: DocInsertBlocks answer/)
  })

  it('lets unchecked points decide nothing', () => {
    const m = matchProfile({})
    expect(m.exact).toBe(true)
    expect(m.points.every((p) => p.observed === 'not checked')).toBe(true)
    expect(describeMatch(m).at(-1)).toEqual({ check: 'v1.0 token accepted on oapi', result: 'not checked' })
  })

  it('reads an insert answer as with children, without children or bare', () => {
    expect(readInsertAnswer({ success: true, result: { data: { id: 'b', index: 0, children: [{ text: 'x' }] } } })).toBe('with-children')
    expect(readInsertAnswer({ success: true, result: { data: { id: 'b', index: 0 } } })).toBe('without-children')
    expect(readInsertAnswer({ success: true })).toBe('bare')
  })
})

describe.each([
  ['rich', 'any'],
  ['documented', 'legacy'],
  ['minimal', 'any'],
] as const)('smoke:live against the emulator playing %s (oapi tokens: %s)', (profile, oapiToken) => {
  let emu: Awaited<ReturnType<typeof startEmulator>>
  beforeAll(async () => {
    emu = await startEmulator({ profile, oapiToken, host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await emu.close()
  })

  it('names that profile, point by point, and the oapi token kind', async () => {
    const cfg: SmokeConfig = {
      appKey: 'ding-emulator-app',
      appSecret: 'emulator-secret',
      corpId: 'ding-emulator-corp',
      docId: SEED.docs.sitePhotos.docId,
      unionId: SEED.users.zhangwei.unionId,
      apiBase: emu.url,
      oapiBase: emu.url,
      origin: 'https://doc-attach.example.com',
    }
    const findings = await runSmoke(cfg, (extra) =>
      createDingTalkClient({
        apiBase: emu.url,
        oapiBase: emu.url,
        appKey: cfg.appKey,
        appSecret: cfg.appSecret,
        sleep: async () => {},
        ...extra,
      }),
    )
    expect(findings.filter((f) => f.result.startsWith('FAILED'))).toEqual([])
    const result = (check: string) => findings.find((f) => f.check === check)?.result
    expect(result('answer profile')).toBe(`${profile} (EMULATOR_PROFILE=${profile})`)
    expect(result('v1.0 token accepted on oapi')).toContain(`EMULATOR_OAPI_TOKEN=${oapiToken}`)
    expect(findings.filter((f) => f.check.startsWith('profile point:')).every((f) => !f.result.startsWith('not checked'))).toBe(true)
  })
})
