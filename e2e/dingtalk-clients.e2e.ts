// At home in each DingTalk client (Android, iOS, PC; fake bridges as dingtalk-jsapi detects them, see
// fake-dingtalk.ts): silent sign-in without our own header, the navigation bar's title following the
// screen, DingTalk's back going one step back (composer → chooser → closed), and `resume` checking the
// session again. One Android test also covers back and the lifecycle while uploads are still running.
import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { SEED } from '../server/emulator/seed'
import {
  blockIds,
  byTestId,
  expectEachInsertedOnce,
  pick,
  submitDocumentLink,
  waitForAnyQueueItem,
  waitForQueueMoment,
  waitForReceipt,
} from './flows'
import {
  answerConfirm,
  bridgeCalls,
  bridgeState,
  lifecycle,
  pcAppUrl,
  pressHardwareBack,
  tapNavBack,
  type DingTalkClient,
} from './fake-dingtalk'
import { useE2E, useFixtures } from './harness'

const e2e = useE2E()
const fx = useFixtures()
const EMULATOR_CORP_ID = 'ding-emulator-corp'
const user = SEED.users.zhangwei
const doc = SEED.docs.weeklyReport

/** Opens the app as `client` opens its homepage (`?corpId=$CORPID$` filled in) and waits for the silent sign-in. */
async function openInDingTalk(client: DingTalkClient): Promise<Page> {
  const phone = await e2e.phone({
    viewport: client === 'pc' ? 'desktop' : 'phone',
    dingtalk: {
      client,
      authCode: async (corpId) => {
        if (corpId !== EMULATOR_CORP_ID) throw new Error(`requestAuthCode for unexpected corpId "${corpId}"`)
        return e2e.emulator.authCode(user.userId)
      },
    },
  })
  const { page } = phone
  // A session that ended while the app was in the background answers 401 once (the point of the resume check).
  phone.allowFailedRequests((url, text) => new URL(url).pathname === '/api/session' && text.includes('status of 401'))
  const origin = client === 'pc' ? pcAppUrl(e2e.appUrl) : e2e.appUrl
  await page.goto(`${origin}/?corpId=${EMULATOR_CORP_ID}`)
  await expect.poll(() => page.locator(byTestId('user-name')).textContent()).toContain(user.name)
  return page
}

/** The title the page last gave DingTalk's navigation bar. */
async function navigationTitle(page: Page): Promise<string | undefined> {
  const calls = await bridgeCalls(page, 'biz.navigation.setTitle')
  return calls.at(-1)?.params.title as string | undefined
}

async function authCodeRequests(page: Page): Promise<number> {
  return (await bridgeState(page)).calls.filter((c) => c.service === 'runtime.permission' && c.action.startsWith('requestAuthCode')).length
}

/** DingTalk's back as the client offers it: Android's hardware key, the navigation bar elsewhere. */
async function back(page: Page, client: DingTalkClient): Promise<void> {
  if (client === 'android') expect(await pressHardwareBack(page), 'hardware back kept from leaving the app').toBe(true)
  else expect(await tapNavBack(page), 'navigation bar back taken over (setLeft control)').toBe(true)
}

test.each(['android', 'ios', 'pc'] as const)(
  'DingTalk %s: silent sign-in without our header, titles per screen, back one step at a time, resume re-checks the session',
  async (client) => {
    const page = await openInDingTalk(client)
    // Signed in silently; DingTalk's navigation bar is the header, so the page has none of its own.
    expect(await page.locator(byTestId(`signin-user-${user.userId}`)).count()).toBe(0)
    expect(await page.locator('header').count()).toBe(0)
    expect(await page.getByRole('button', { name: '退出' }).count()).toBe(0)
    await expect.poll(() => navigationTitle(page)).toBe('选择文档')

    await submitDocumentLink(page, doc.url)
    await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(doc.name)
    await expect.poll(() => navigationTitle(page)).toBe(doc.name)
    expect(await page.title()).toBe(doc.name)

    // Back from the composer: the chooser, and the app is still open.
    await back(page, client)
    await page.locator(byTestId('doc-search')).waitFor({ state: 'visible' })
    await expect.poll(() => navigationTitle(page)).toBe('选择文档')
    expect((await bridgeState(page)).closed).toBe(false)

    // Back in the foreground after the session ended meanwhile: signed in again, silently, and (as
    // after any fresh start) the last document used is offered again; back leads to the chooser.
    const before = await authCodeRequests(page)
    await page.context().clearCookies()
    await lifecycle(page, 'resume')
    await expect.poll(() => authCodeRequests(page)).toBe(before + 1)
    await expect.poll(() => page.locator(byTestId('user-name')).textContent()).toContain(user.name)
    await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(doc.name)
    await back(page, client)
    await page.locator(byTestId('doc-search')).waitFor({ state: 'visible' })

    // Back on the chooser with nothing unfinished: DingTalk closes the app, without asking.
    await back(page, client)
    await expect.poll(async () => (await bridgeState(page)).closed).toBe(true)
    expect(await bridgeCalls(page, 'device.notification.confirm')).toEqual([])
  },
)

test('DingTalk Android while uploading: back asks first and keeps the queue; pause saves it, resume restarts it, each item lands once', async () => {
  const page = await openInDingTalk('android')
  const before = blockIds(await e2e.emulator.state())
  // ~150 KB/s to DingTalk's upload URL: the uploads are still running while the person goes back.
  await e2e.emulator.addFault({ path: '/__oss/', bandwidthBytesPerSec: 150_000 })
  await submitDocumentLink(page, doc.url)
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(doc.name)
  await pick(page, [fx.rotated, fx.plain], [])
  await page.locator(byTestId('send-button')).click()
  await waitForAnyQueueItem(page, 'uploading')

  // Back while uploading: DingTalk's own dialog asks; "stay" (second button) changes nothing.
  await back(page, 'android')
  await expect.poll(async () => (await bridgeState(page)).pendingConfirms).toHaveLength(1)
  expect((await bridgeState(page)).pendingConfirms[0]).toContain('2')
  await answerConfirm(page, 1)
  expect(await page.locator(byTestId('queue-item')).count()).toBe(2)

  // Pause, then resume: every upload was on the wire, so the next upload request is one sent again.
  await waitForQueueMoment(page, 'both uploading', (s) => s.length === 2 && s.every((status) => status === 'uploading'))
  const restarted = page.waitForRequest(
    (request) => request.method() === 'POST' && new URL(request.url()).pathname === `/api/documents/${doc.docId}/resources`,
  )
  await lifecycle(page, 'pause')
  await lifecycle(page, 'resume')
  await restarted

  // Back again, and leave this time: the chooser, with the queue carrying on; the document again shows it.
  await back(page, 'android')
  await expect.poll(async () => (await bridgeState(page)).pendingConfirms).toHaveLength(1)
  await answerConfirm(page, 0)
  await page.locator(byTestId('doc-search')).waitFor({ state: 'visible' })
  expect((await bridgeState(page)).closed).toBe(false)
  await submitDocumentLink(page, doc.url)
  const names = [fx.rotated.name, fx.plain.name]
  expect(await waitForReceipt(page, 2)).toEqual(names.map((name) => ({ name, status: 'inserted' })))
  expectEachInsertedOnce(await e2e.emulator.state(), doc.docId, names, before)
})
