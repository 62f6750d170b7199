import { createRouter, createWebHashHistory, type Router } from 'vue-router'
import AttachPage from './pages/AttachPage.vue'

/**
 * Hash history: the path part of the URL stays exactly as DingTalk opened it, so `?corpId=` in
 * location.search survives every navigation (docs/dingtalk.md#jsapi). The attach page is the
 * first screen and ships in the entry chunk; anything else loads on demand.
 */
export function createAppRouter(): Router {
  return createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', name: 'attach', component: AttachPage },
      { path: '/:pathMatch(.*)*', redirect: '/' },
    ],
  })
}
