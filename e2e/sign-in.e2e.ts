// Signing in: the sandbox "sign in as demo user" path in a normal phone browser, and the silent
// DingTalk login inside a (faked) DingTalk Android webview.
import { expect, test } from 'vitest'
import { SEED } from '../server/emulator/seed'
import type { FakeBridgeCall } from './browser'
import { byTestId, openApp, signInAsDemoUser } from './flows'
import { useE2E } from './harness'

const e2e = useE2E()
const EMULATOR_CORP_ID = 'ding-emulator-corp'

test('sandbox: the banner is shown, a demo user signs in, and stays signed in after a reload', async () => {
  const { page } = await e2e.phone()
  const user = SEED.users.lina

  await openApp(page, e2e.appUrl)
  await expect.poll(() => page.locator(byTestId('sandbox-banner')).textContent()).not.toBe('')
  // One button per demo user of the organisation.
  for (const u of Object.values(SEED.users)) {
    await page.locator(byTestId(`signin-user-${u.userId}`)).waitFor({ state: 'visible' })
  }
  expect(await page.locator(byTestId('user-name')).count()).toBe(0)

  await signInAsDemoUser(page, user)
  await page.locator(byTestId('doc-search')).waitFor({ state: 'visible' })

  // The session is a cookie: a reload keeps the person signed in without asking again.
  await page.reload()
  await expect.poll(() => page.locator(byTestId('user-name')).textContent()).toContain(user.name)
  expect(await page.locator(byTestId(`signin-user-${user.userId}`)).count()).toBe(0)
})

test('DingTalk: the page signs in silently with requestAuthCode from the JSAPI bridge', async () => {
  const user = SEED.users.zhangwei
  const { page } = await e2e.phone({
    dingtalk: {
      authCode: async (corpId) => {
        // A real DingTalk refuses a code for another organisation; so does this bridge.
        if (corpId !== EMULATOR_CORP_ID) throw new Error(`requestAuthCode for unexpected corpId "${corpId}"`)
        return e2e.emulator.authCode(user.userId)
      },
    },
  })

  // DingTalk opens the homepage URL with the organisation's corpId filled in ($CORPID$).
  await page.goto(`${e2e.appUrl}/?corpId=${EMULATOR_CORP_ID}`)
  await expect.poll(() => page.locator(byTestId('user-name')).textContent()).toContain(user.name)
  // Nobody was asked to pick a demo user.
  expect(await page.locator(byTestId(`signin-user-${user.userId}`)).count()).toBe(0)

  const calls = await page.evaluate(() => (window as unknown as { __fakeDingTalkCalls: FakeBridgeCall[] }).__fakeDingTalkCalls)
  const authCalls = calls.filter((c) => c.service === 'runtime.permission' && c.action.startsWith('requestAuthCode'))
  expect(authCalls.length).toBeGreaterThanOrEqual(1)
  expect(authCalls[0]!.params).toMatchObject({ corpId: EMULATOR_CORP_ID })
  await page.locator(byTestId('doc-search')).waitFor({ state: 'visible' })
})
