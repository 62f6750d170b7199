/**
 * vue-i18n, runtime-only: the locale JSON files are precompiled by @intlify/unplugin-vue-i18n
 * (vite.config.ts), so no message compiler ships. zh-CN is the default; English when asked for
 * with `?lang=en` or when the device language is English.
 */
import { createI18n } from 'vue-i18n'
import { Locale as VantLocale } from 'vant'
import vantEnUS from 'vant/es/locale/lang/en-US'
import zhCN from './locales/zh-CN.json'
import en from './locales/en.json'

export const SUPPORTED_LOCALES = ['zh-CN', 'en'] as const
export type AppLocale = (typeof SUPPORTED_LOCALES)[number]

/** The message shape every locale must have (zh-CN is the reference). */
export type MessageSchema = typeof zhCN

/**
 * Picks the locale: an explicit `?lang=` wins, then the device language; anything not English is
 * shown in Chinese (the app's audience).
 */
export function pickLocale(search: string, navigatorLanguage: string | undefined): AppLocale {
  const lang = new URLSearchParams(search).get('lang')?.toLowerCase()
  if (lang) return lang.startsWith('en') ? 'en' : 'zh-CN'
  return navigatorLanguage?.toLowerCase().startsWith('en') ? 'en' : 'zh-CN'
}

/** Creates the i18n instance and switches Vant's built-in texts to the same language. */
export function createAppI18n(locale: AppLocale) {
  if (locale === 'en') VantLocale.use('en-US', vantEnUS)
  else VantLocale.use('zh-CN')
  if (typeof document !== 'undefined') document.documentElement.lang = locale
  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages: { 'zh-CN': zhCN, en },
  })
}
