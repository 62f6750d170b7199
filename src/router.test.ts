import { expect, it } from 'vitest'
import { defineComponent } from 'vue'
import { createAppRouter } from './router'

it('navigates in the hash and leaves ?corpId= in location.search untouched', async () => {
  window.history.replaceState(null, '', '/app/?corpId=ding-corp-1')
  const router = createAppRouter()
  router.addRoute({ path: '/elsewhere', component: defineComponent({ render: () => null }) })
  await router.push('/elsewhere')
  expect(window.location.search).toBe('?corpId=ding-corp-1')
  expect(window.location.pathname).toBe('/app/')
  expect(window.location.hash).toBe('#/elsewhere')
  await router.push('/no-such-page')
  expect(router.currentRoute.value.path).toBe('/')
})
