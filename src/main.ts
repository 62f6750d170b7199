// docs/architecture.md, step 1: corpId comes from the homepage URL (`/?corpId=$CORPID$`) and is read from
// location.search before the (hash) router exists, so nothing can rewrite it first.
const corpIdFromUrl = readCorpId(window.location.search)

// First: what the oldest supported engines lack (imports run in order, before this module's body).
import './lib/polyfills'
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
// After App (and the Vant CSS its components pull in): base.css overrides Vant's body font.
import './styles/tokens.css'
import './styles/base.css'
import { createAppRouter } from './router'
import { createAppI18n, pickLocale } from './i18n'
import { useSessionStore } from './stores/session'

/** The corpId query parameter; an unsubstituted `$CORPID$` placeholder counts as absent. */
function readCorpId(search: string): string | null {
  const value = new URLSearchParams(search).get('corpId')?.trim()
  return value && value !== '$CORPID$' ? value : null
}

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
const i18n = createAppI18n(pickLocale(window.location.search, navigator.language))
app.use(i18n)
// DingTalk shows the page title in its navigation bar.
document.title = i18n.global.t('app.title')
app.use(createAppRouter())
void useSessionStore(pinia).boot(corpIdFromUrl)
app.mount('#app')
