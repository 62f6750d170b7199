import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '@contract/api'
import { createAppI18n, pickLocale, SUPPORTED_LOCALES } from './i18n'

describe('pickLocale', () => {
  it.each([
    ['', 'zh-CN', 'zh-CN'],
    ['', 'en-US', 'en'],
    ['', undefined, 'zh-CN'],
    ['?lang=en', 'zh-CN', 'en'],
    ['?corpId=ding1&lang=en-GB', 'zh-CN', 'en'],
    ['?lang=zh-CN', 'en-US', 'zh-CN'],
  ])('search %j with device language %s → %s', (search, device, expected) => {
    expect(pickLocale(search, device)).toBe(expected)
  })
})

describe('error messages', () => {
  const codes = [...ERROR_CODES, 'network_error', 'timeout', 'read_only', 'bridge_cancelled', 'bridge_timeout', 'bridge_failed']
  it.each(SUPPORTED_LOCALES)('%s explains every error code the app can meet', (locale) => {
    const { global } = createAppI18n(locale)
    const missing = codes.filter((code) => !global.te(`errors.${code}`))
    expect(missing).toEqual([])
    // Each message is a sentence with a next step, not the code itself.
    for (const code of codes) expect(global.t(`errors.${code}`)).not.toContain(code)
  })
})
