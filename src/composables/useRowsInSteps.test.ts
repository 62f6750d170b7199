/** A large pick's rows arrive a step at a time; small changes show at once, and every row ends up shown. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { useRowsInSteps } from './useRowsInSteps'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function start(initial: number) {
  const total = ref(initial)
  const scope = effectScope()
  const shown = scope.run(() => useRowsInSteps(() => total.value, 10))!
  return { total, shown, scope }
}

it('shows a small pick at once, and 50 picked rows ten per task until all are there', async () => {
  const { total, shown } = start(0)
  total.value = 3
  await nextTick()
  expect(shown.value).toBe(3)

  total.value = 53
  await nextTick()
  expect(shown.value).toBe(13)
  await vi.advanceTimersToNextTimerAsync()
  expect(shown.value).toBe(23)
  await vi.runAllTimersAsync()
  expect(shown.value).toBe(53)

  total.value = 54
  await nextTick()
  expect(shown.value).toBe(54)
})

it('starts again from a step when the list empties (a batch sent), and mounts a long list a step at a time', async () => {
  const { total, shown } = start(100)
  expect(shown.value).toBe(10)
  await vi.runAllTimersAsync()
  expect(shown.value).toBe(100)

  total.value = 0
  await nextTick()
  expect(shown.value).toBe(0)
  total.value = 50
  await nextTick()
  expect(shown.value).toBe(10)
  await vi.runAllTimersAsync()
  expect(shown.value).toBe(50)
})

it('stops stepping once its component is gone', async () => {
  const { shown, scope } = start(40)
  scope.stop()
  await vi.runAllTimersAsync()
  expect(vi.getTimerCount()).toBe(0)
  expect(shown.value).toBe(10)
})
