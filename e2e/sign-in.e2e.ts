// Signing in on the sandbox path: "sign in as demo user" in a normal phone browser.
// (The silent DingTalk login is in dingtalk.e2e.ts.)
import { expect, test } from 'vitest'
import { SEED } from '../server/emulator/seed'
import { byTestId, openApp, signInAsDemoUser } from './flows'
import { useE2E } from './harness'

const e2e = useE2E()

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
