// Inside DingTalk (a DingTalk Android user agent with a fake JSAPI bridge, see browser.ts): the page
// signs in silently with requestAuthCode, a captioned photo lands in the document, and "open document"
// goes through biz.util.openLink.
import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { SEED } from '../server/emulator/seed'
import { bridgeState } from './fake-dingtalk'
import { blockIds, blocksPerItem, byTestId, pick, submitDocumentLink, waitForReceipt } from './flows'
import { useE2E, useFixtures } from './harness'

const e2e = useE2E()
const EMULATOR_CORP_ID = 'ding-emulator-corp'
const fx = useFixtures()

/** What the page asked the fake bridge, and which links it asked DingTalk to open. */
async function bridgeLog(page: Page) {
  const state = await bridgeState(page)
  return { calls: state.calls, opened: state.openedLinks }
}

test('DingTalk: silent sign-in with requestAuthCode, then a captioned photo attached and the document opened in DingTalk', async () => {
  const user = SEED.users.zhangwei
  const doc = SEED.docs.weeklyReport
  const { page, context } = await e2e.phone({
    dingtalk: {
      authCode: async (corpId) => {
        // A real DingTalk refuses a code for another organisation; so does this bridge.
        if (corpId !== EMULATOR_CORP_ID) throw new Error(`requestAuthCode for unexpected corpId "${corpId}"`)
        return e2e.emulator.authCode(user.userId)
      },
    },
  })
  const before = blockIds(await e2e.emulator.state())

  // DingTalk opens the homepage URL with the organisation's corpId filled in ($CORPID$).
  await page.goto(`${e2e.appUrl}/?corpId=${EMULATOR_CORP_ID}`)
  await expect.poll(() => page.locator(byTestId('user-name')).textContent()).toContain(user.name)
  // Nobody was asked to pick a demo user.
  expect(await page.locator(byTestId(`signin-user-${user.userId}`)).count()).toBe(0)
  const { calls } = await bridgeLog(page)
  const authCalls = calls.filter((c) => c.service === 'runtime.permission' && c.action.startsWith('requestAuthCode'))
  expect(authCalls.length).toBeGreaterThanOrEqual(1)
  expect(authCalls[0]!.params).toMatchObject({ corpId: EMULATOR_CORP_ID })

  await submitDocumentLink(page, doc.url)
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(doc.name)
  await pick(page, [fx.plain], [])
  const caption = '会议室白板 3 月 12 日'
  await page.locator(`${byTestId('queue-item')} ${byTestId('caption-input')}`).fill(caption)
  await page.locator(byTestId('send-button')).click()
  expect(await waitForReceipt(page, 1)).toEqual([{ name: fx.plain.name, status: 'inserted' }])

  // In the document: the photo's paragraph, then its caption as the next paragraph.
  const state = await e2e.emulator.state()
  const photoBlocks = blocksPerItem(state, doc.docId, [fx.plain.name], before).get(fx.plain.name)!
  expect(photoBlocks).toHaveLength(1)
  const added = state.documents
    .find((d) => d.docId === doc.docId)!
    .blocks.filter((b) => !before.has(b.id))
    .sort((a, b) => a.index - b.index)
  expect(added.map((b) => b.id)[0]).toBe(photoBlocks[0]!.id)
  expect(added).toHaveLength(2)
  expect(added[1]!.blockType).toBe('paragraph')
  expect(JSON.stringify(added[1])).toContain(caption)

  // Inside DingTalk the document opens through the bridge, not as a browser tab.
  const pagesBefore = context.pages().length
  await page.locator(byTestId('open-document')).click()
  await expect.poll(async () => (await bridgeLog(page)).opened).toHaveLength(1)
  expect((await bridgeLog(page)).opened[0]).toContain(doc.docId)
  expect(context.pages()).toHaveLength(pagesBefore)
})
