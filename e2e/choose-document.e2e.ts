// Choosing the target document: by search, by a pasted alidocs link, and never a read-only one.
import { expect, test } from 'vitest'
import { SEED } from '../server/emulator/seed'
import { byTestId, chooseDocumentBySearch, openApp, signInAsDemoUser, submitDocumentLink } from './flows'
import { useE2E } from './harness'

const e2e = useE2E()

test('a document is chosen by typing part of its name, and another by pasting its link', async () => {
  const { page } = await e2e.phone()
  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, SEED.users.lina)

  // Search: a fragment of "Mobile Upload Spec".
  await chooseDocumentBySearch(page, 'Upload Spec', SEED.docs.uploadSpec)
  expect(await page.locator(byTestId(`doc-item-${SEED.docs.uploadSpec.docId}`)).getAttribute('data-editable')).not.toBe('false')

  // Change the target and paste a link instead.
  await page.locator(byTestId('change-doc')).click()
  const doc = SEED.docs.weeklyReport
  await submitDocumentLink(page, `https://alidocs.dingtalk.com/i/nodes/${doc.docId}`)
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(doc.name)
  expect(await page.locator(byTestId('selected-doc')).textContent()).not.toContain(SEED.docs.uploadSpec.name)
  // Ready to pick photos for it.
  await page.locator(byTestId('photo-input')).waitFor({ state: 'attached' })
})

test('a read-only document is shown as such and cannot become the target', async () => {
  const { page } = await e2e.phone()
  // 王芳 is READER of 现场照片记录 (SEED: sitePhotos) — she can see it, not edit it.
  const user = SEED.users.wangfang
  const doc = SEED.docs.sitePhotos
  const state = await e2e.emulator.state()
  const unionId = state.users.find((u) => u.userId === user.userId)!.unionId
  const roles = state.documents.find((d) => d.docId === doc.docId)!.roles
  expect(roles[unionId] ?? 'READER (inherited)').toMatch(/READER/)

  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)

  // Browsing its knowledge base lists it, marked not editable; tapping it selects nothing.
  await page.locator(byTestId(`workspace-${SEED.workspaces.product.workspaceId}`)).click()
  const item = page.locator(byTestId(`doc-item-${doc.docId}`))
  await item.waitFor({ state: 'visible' })
  expect(await item.getAttribute('data-editable')).toBe('false')
  await item.click()
  // The page stays on the chooser: no target was set.
  await page.locator(byTestId('doc-link-input')).waitFor({ state: 'visible' })
  expect(await page.locator(byTestId('selected-doc')).count()).toBe(0)

  // Pasting its link says it is read-only instead of selecting it.
  await submitDocumentLink(page, `https://alidocs.dingtalk.com/i/nodes/${doc.docId}`)
  await page.locator(byTestId('error-message')).first().waitFor({ state: 'visible' })
  expect(await page.locator(byTestId('selected-doc')).count()).toBe(0)

  // An editable document of hers is still selectable the same way (the check above can fail).
  await submitDocumentLink(page, `https://alidocs.dingtalk.com/i/nodes/${SEED.docs.releasePlan.docId}`)
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(SEED.docs.releasePlan.name)
})
