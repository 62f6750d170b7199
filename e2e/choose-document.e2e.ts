// Choosing the target document: by search, by a pasted alidocs link, and never a read-only one.
import { expect, test } from 'vitest'
import { SEED } from '../server/emulator/seed'
import { byTestId, chooseDocumentBySearch, openApp, signInAsDemoUser, submitDocumentLink } from './flows'
import { useE2E } from './harness'

const e2e = useE2E()

test('a document is chosen by typing part of its name, another by pasting its link, and both are remembered', async () => {
  const { page } = await e2e.phone()
  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, SEED.users.lina)

  // Search: a fragment of "Mobile Upload Spec".
  await chooseDocumentBySearch(page, 'Upload Spec', SEED.docs.uploadSpec)

  // Change the target and paste a link instead.
  await page.locator(byTestId('change-doc')).click()
  await page.locator(byTestId('doc-search')).fill('')
  const doc = SEED.docs.weeklyReport
  await submitDocumentLink(page, `https://alidocs.dingtalk.com/i/nodes/${doc.docId}`)
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(doc.name)
  expect(await page.locator(byTestId('selected-doc')).textContent()).not.toContain(SEED.docs.uploadSpec.name)
  // Ready to pick photos for it.
  await page.locator(byTestId('photo-input')).waitFor({ state: 'attached' })

  // Remembered on the device: after a reload the last one is still the target, and both are offered
  // first, newest first, one tap away.
  await page.reload()
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(doc.name)
  await page.locator(byTestId('change-doc')).click()
  const recents = page.locator('[data-testid^="recent-doc-"]')
  await expect
    .poll(() => recents.evaluateAll((els) => els.map((el) => el.getAttribute('data-testid'))))
    .toEqual([`recent-doc-${doc.docId}`, `recent-doc-${SEED.docs.uploadSpec.docId}`])
  await page.locator(byTestId(`recent-doc-${SEED.docs.uploadSpec.docId}`)).click()
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(SEED.docs.uploadSpec.name)
})

test('a read-only document is shown as such and cannot become the target', async () => {
  const { page } = await e2e.phone()
  // 王芳 is READER of 现场照片记录 (SEED: sitePhotos) — she can see it, not edit it.
  const user = SEED.users.wangfang
  const doc = SEED.docs.sitePhotos
  const state = await e2e.emulator.state()
  const unionId = state.users.find((u) => u.userId === user.userId)!.unionId
  const roles = state.documents.find((d) => d.docId === doc.docId)!.roles
  expect(roles[unionId]).toBe('READER')

  await openApp(page, e2e.appUrl)
  await signInAsDemoUser(page, user)

  // Pasting its link says it is read-only instead of selecting it.
  await submitDocumentLink(page, `https://alidocs.dingtalk.com/i/nodes/${doc.docId}`)
  const message = page.locator(byTestId('error-message')).first()
  await message.waitFor({ state: 'visible' })
  // zh-CN: "you may only view this document" (or, at least, a permission problem).
  expect(await message.textContent()).toMatch(/权限/)
  expect(await page.locator(byTestId('selected-doc')).count()).toBe(0)

  // Browsing its knowledge base lists it, marked not editable; tapping it selects nothing.
  await page.locator(byTestId(`workspace-${SEED.workspaces.product.workspaceId}`)).click()
  const item = page.locator(byTestId(`doc-item-${doc.docId}`))
  await item.waitFor({ state: 'visible' })
  expect(await item.getAttribute('data-editable')).toBe('false')
  // A person can still tap it (a disabled button ignores the tap); force skips Playwright's wait for "enabled".
  await item.click({ force: true })
  expect(await page.locator(byTestId('selected-doc')).count()).toBe(0)

  // In the same knowledge base, a document she may edit is offered and taken (so the checks above can fail).
  const editable = SEED.docs.releasePlan
  await page.locator(byTestId(`folder-${SEED.folders.requirements.nodeId}`)).click()
  await page.locator(byTestId(`folder-${SEED.folders.q3.nodeId}`)).click()
  const editableItem = page.locator(byTestId(`doc-item-${editable.docId}`))
  await editableItem.waitFor({ state: 'visible' })
  expect(await editableItem.getAttribute('data-editable')).toBe('true')
  await editableItem.click()
  await expect.poll(() => page.locator(byTestId('selected-doc')).textContent()).toContain(editable.name)
})
