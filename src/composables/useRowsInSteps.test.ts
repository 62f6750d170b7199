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
  /** The list now holds `n` rows: how many show right away. */
  const resize = async (n: number) => {
    total.value = n
    await nextTick()
    return shown.value
  }
  /** How many show once every pending step has run. */
  const settled = async () => {
    await vi.runAllTimersAsync()
    return shown.value
  }
  return { shown, scope, resize, settled }
}

it('shows a small pick at once, and 50 picked rows ten per task until all are there', async () => {
  const list = start(0)
  expect(await list.resize(3)).toBe(3)
  expect(await list.resize(53)).toBe(13)
  await vi.advanceTimersToNextTimerAsync()
  expect(list.shown.value).toBe(23)
  expect(await list.settled()).toBe(53)
  expect(await list.resize(54)).toBe(54)
})

it('starts again from a step when the list empties (a batch sent), and mounts a long list a step at a time', async () => {
  const list = start(100)
  expect(list.shown.value).toBe(10)
  expect(await list.settled()).toBe(100)
  expect([await list.resize(0), await list.resize(50), await list.settled()]).toEqual([0, 10, 50])
})

it('stops stepping once its component is gone', async () => {
  const list = start(40)
  list.scope.stop()
  expect(await list.settled()).toBe(10)
  expect(vi.getTimerCount()).toBe(0)
})
