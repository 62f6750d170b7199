// Photos as evidence (docs/evidence.md): stamped on the phone with a code from the server, the bytes
// DingTalk holds hash to the registry's record, the QR code reads back as the verify address, the stamp
// stays readable on a light and on a dark photo, the code follows the image in the document, the place
// appears only when turned on, and a phone without codes waits and stamps once it is online again.
import { createHash } from 'node:crypto'
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import jsQR from 'jsqr'
import sharp from 'sharp'
import { SEED } from '../server/emulator/seed'
import type { EvidenceLookupResponse } from '@contract/api'
import type { EmulatorState } from '@testing/emulator-control'
import { httpRequest } from '@testing/http'
import type { FixtureFile } from '@testing/phone-photos'
import { bridgeState, FAKE_DINGTALK_ADDRESS } from './fake-dingtalk'
import {
  byTestId,
  chooseDocumentBySearch,
  imageSources,
  openBatchOptions,
  openInDingTalk,
  pick,
  signInAndChoose,
  waitForQueue,
  waitForReceipt,
} from './flows'
import { useE2E } from './harness'

const e2e = useE2E()
const user = SEED.users.lina
const doc = SEED.docs.sitePhotos
let variant = 0

/** A flat photo of one brightness with a little texture (fresh content per call: no "already in the document"). */
async function flatPhoto(name: string, level: number, width = 1600, height = 1200): Promise<FixtureFile> {
  const seed = ++variant
  const raw = Buffer.alloc(width * height * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = Math.max(0, Math.min(255, level + ((i * 7 + seed * 13) % 9) - 4))
  const buffer = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer()
  return { name, mimeType: 'image/jpeg', buffer }
}

async function lookup(code: string): Promise<EvidenceLookupResponse> {
  const res = await httpRequest(`${e2e.appUrl}/api/evidence/${code}`)
  expect(res.status, `GET /api/evidence/${code}`).toBe(200)
  return JSON.parse(res.body.toString('utf8')) as EvidenceLookupResponse
}

async function turnStampOn(page: Page): Promise<void> {
  await openBatchOptions(page)
  await page.locator(byTestId('evidence-toggle')).check()
}

/** The uploaded resource of a picked photo, and the paragraph that shows it. */
function photoInDocument(state: EmulatorState, name: string) {
  const resource = state.resources.find((r) => r.docId === doc.docId && r.resourceName === name && r.uploaded)
  if (!resource) throw new Error(`no uploaded resource named ${name}`)
  const block = state.documents.find((d) => d.docId === doc.docId)!.blocks.find((b) => imageSources(b).includes(resource.resourceUrl))
  if (!block) throw new Error(`no paragraph shows ${name}`)
  return { resource, block }
}

/** The code link right after the image in its paragraph: `{ href, text }`. */
function codeLinkAfterImage(block: { children?: unknown[] }): { href: string; text: string } {
  const children = (block.children ?? []) as Array<{
    elementType?: string
    properties?: { href?: string }
    children?: Array<{ text?: string }>
  }>
  const at = children.findIndex((c) => c.elementType === 'image')
  const link = children[at + 1]
  expect(link?.elementType, 'the element after the image').toBe('link')
  return { href: link?.properties?.href ?? '', text: (link?.children ?? []).map((c) => c.text ?? '').join('') }
}

const luminance = (r: number, g: number, b: number): number => {
  const lin = (c: number) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/**
 * The stamp's legibility, measured on pixels: inside the text column of the panel (bottom-left, per
 * src/media/evidence-stamp.ts's layout), the brightest pixels (the text) against the most common dark
 * ones (the panel), as a WCAG contrast ratio; plus the panel's own brightness against the photo's.
 */
async function stampContrast(bytes: Buffer): Promise<{ ratio: number; textShare: number; panel: number; photo: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const short = Math.min(info.width, info.height)
  const font = Math.ceil(short * 0.028)
  const margin = Math.round(short * 0.02)
  const pad = Math.round(font * 0.6)
  // The first three rows' left part: text on the panel, clear of the QR code at the panel's right.
  const x0 = margin + pad
  const x1 = x0 + font * 6
  const panelBottom = info.height - margin
  const rows = 5
  const panelTop = panelBottom - (rows * Math.round(font * 1.3) + 2 * pad)
  const y0 = panelTop + pad
  const y1 = y0 + 3 * Math.round(font * 1.3)
  const values: number[] = []
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * info.width + x) * 3
      values.push(luminance(data[i]!, data[i + 1]!, data[i + 2]!))
    }
  }
  values.sort((a, b) => a - b)
  const background = values[Math.floor(values.length * 0.3)]!
  const text = values[Math.floor(values.length * 0.99)]!
  const textShare = values.filter((v) => v > (background + text) / 2).length / values.length
  const i = (Math.floor(info.height * 0.2) * info.width + Math.floor(info.width * 0.8)) * 3
  return {
    ratio: (text + 0.05) / (background + 0.05),
    textShare,
    panel: background,
    photo: luminance(data[i]!, data[i + 1]!, data[i + 2]!),
  }
}

describe('photos as evidence', () => {
  test('two stamped photos: the bytes in DingTalk hash to the record, the QR code reads back, the stamp reads on light and dark', async () => {
    const { page } = await e2e.phone()
    const light = await flatPhoto('IMG_LIGHT.jpg', 246)
    const dark = await flatPhoto('IMG_DARK.jpg', 12)
    await signInAndChoose(page, e2e.appUrl, user, '现场', doc)
    await turnStampOn(page)
    await expect.poll(() => page.locator(byTestId('batch-options-summary')).textContent()).toContain('凭证水印')
    await expect.poll(() => page.locator(byTestId('place-toggle')).isChecked()).toBe(false)

    await pick(page, [light, dark], [])
    await waitForQueue(page, 2, ['ready', 'uploading', 'uploaded'])
    await page.locator(byTestId('send-button')).click()
    expect(await waitForReceipt(page, 2)).toEqual([
      { name: light.name, status: 'inserted' },
      { name: dark.name, status: 'inserted' },
    ])
    const receiptCodes = await page.locator(byTestId('receipt-evidence-code')).allTextContents()
    expect(receiptCodes).toHaveLength(2)

    const state = await e2e.emulator.state()
    for (const photo of [light, dark]) {
      const { resource, block } = photoInDocument(state, photo.name)
      const bytes = await e2e.emulator.resourceBytes(resource.resourceUrl)
      const link = codeLinkAfterImage(block)
      const code = link.text
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
      const verifyUrl = `${e2e.appUrl}/v/${code}`
      expect(link.href).toBe(verifyUrl)

      // The registry holds the hash of exactly the bytes DingTalk has.
      const record = await lookup(code)
      expect(record.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
      expect(record.takenAtSource).toBe('picked')
      expect(record.place).toBeNull()
      expect(record.lines).toHaveLength(5)
      expect(record.lines[0]).toMatch(/^选取于 \d{4}-\d\d-\d\d \d\d:\d\d UTC\+08:00/)
      expect(record.lines.slice(1)).toEqual([`文档 ${doc.name}`, `拍摄人 ${user.name}`, `验证码 ${code}`, verifyUrl])
      expect(record.lines.join('\n')).not.toContain('地点')

      // The QR code in the pixels decodes to the verify address.
      const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
      const qr = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height)
      expect(qr?.data, `QR code in ${photo.name}`).toBe(verifyUrl)

      // Legible: white text on the dark panel, whatever the photo around it.
      const contrast = await stampContrast(bytes)
      expect(contrast.ratio, `text/panel contrast on ${photo.name}`).toBeGreaterThan(4.5)
      expect(contrast.textShare, `share of text pixels on ${photo.name}`).toBeGreaterThan(0.03)
      expect(contrast.textShare).toBeLessThan(0.6)
      if (photo === light) expect(contrast.panel, 'the panel is darker than the light photo').toBeLessThan(contrast.photo / 2)
    }
  })

  test('place: asked once, then the browser position (editable) is stamped; only then is there a place line', async () => {
    const phone = await e2e.phone()
    const { page, context } = phone
    await context.grantPermissions(['geolocation'])
    await context.setGeolocation({ latitude: 31.2304, longitude: 121.4737, accuracy: 30 })
    const photo = await flatPhoto('IMG_PLACE.jpg', 128, 1200, 1600)
    await signInAndChoose(page, e2e.appUrl, user, '现场', doc)
    await turnStampOn(page)

    // The first time: a plain question; cancelling leaves "place" off.
    await page.locator(byTestId('place-toggle')).click()
    await page.locator('.van-dialog__cancel').click()
    await expect.poll(() => page.locator(byTestId('place-toggle')).isChecked()).toBe(false)
    await page.locator(byTestId('place-toggle')).click()
    await expect.poll(() => page.locator('.van-dialog__message').textContent()).toContain('个人信息')
    await page.locator('.van-dialog__confirm').click()
    const placeText = page.locator(byTestId('place-text'))
    await expect.poll(() => placeText.inputValue()).toBe('31.23040, 121.47370 (±30 m)')
    await placeText.fill('上海 外滩 3 号楼')

    await pick(page, [photo], [])
    await page.locator(byTestId('send-button')).click()
    await waitForReceipt(page, 1)
    const code = (await page.locator(byTestId('receipt-evidence-code')).textContent())?.replace(/^验证码 /, '') ?? ''
    const record = await lookup(code)
    expect(record.place).toBe('上海 外滩 3 号楼')
    expect(record.lines[1]).toBe('地点 上海 外滩 3 号楼')
    expect(record.lines).toHaveLength(6)
  })

  test('inside DingTalk the place is the address from device.geolocation.get, after a dd.config the emulator’s ticket verifies', async () => {
    const { page } = await e2e.phone({
      dingtalk: {
        authCode: () => e2e.emulator.authCode(user.userId),
        jsapiTicket: () => e2e.emulator.jsapiTicket(),
      },
    })
    await openInDingTalk(page, e2e.appUrl, user)
    await chooseDocumentBySearch(page, '现场', doc)
    await turnStampOn(page)
    await page.locator(byTestId('place-toggle')).click()
    // DingTalk's own confirm dialog (device.notification.confirm): the first button confirms.
    await expect.poll(async () => (await bridgeState(page)).pendingConfirms.length).toBe(1)
    await page.evaluate(() => (window as unknown as { __fakeDingTalk: { answerConfirm(i: number): void } }).__fakeDingTalk.answerConfirm(0))
    await expect.poll(() => page.locator(byTestId('place-text')).inputValue()).toBe(FAKE_DINGTALK_ADDRESS)
    const state = await bridgeState(page)
    expect(state.jsapiConfig?.verified).toBe(true)
    const geolocation = state.calls.filter((c) => `${c.service}.${c.action}` === 'device.geolocation.get')
    expect(geolocation.at(-1)?.params).toMatchObject({ coordinate: 1, withReGeocode: true })
  })

  test('with no codes on the device a photo waits unstamped, and is stamped and sent once the phone is online', async () => {
    const phone = await e2e.phone()
    const { page, context } = phone
    const photo = await flatPhoto('IMG_OFFLINE.jpg', 90)
    await signInAndChoose(page, e2e.appUrl, user, '现场', doc)
    // The app has read its configuration (evidence is offered) before the network goes.
    await openBatchOptions(page)
    await page.locator(byTestId('evidence-toggle')).waitFor({ state: 'visible' })
    await context.setOffline(true)
    await turnStampOn(page)
    await pick(page, [photo], [])
    await page.locator(byTestId('evidence-waiting')).waitFor({ state: 'visible' })
    await page.locator(byTestId('send-button')).click()

    await context.setOffline(false)
    await waitForReceipt(page, 1)
    const code = (await page.locator(byTestId('receipt-evidence-code')).textContent())?.replace(/^验证码 /, '') ?? ''
    const { resource } = photoInDocument(await e2e.emulator.state(), photo.name)
    const bytes = await e2e.emulator.resourceBytes(resource.resourceUrl)
    expect((await lookup(code)).sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
  })
})
