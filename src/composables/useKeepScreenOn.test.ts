/** When the screen is kept on: while there is work, off on the receipt, on leaving, after 10 minutes stuck; taken again on return. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { fakePlatform } from '@testing/fake-platform'
import { NO_PROGRESS_LIMIT_MS, useKeepScreenOn } from './useKeepScreenOn'

let calls: boolean[]
let resume: () => void
const platform = () =>
  fakePlatform({
    keepScreenOn: (on) => {
      calls.push(on)
      return Promise.resolve()
    },
    onResume: (handler) => {
      resume = handler
      return () => undefined
    },
  })

beforeEach(() => {
  calls = []
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

function start(needed = ref(false), progress = ref(0)) {
  const scope = effectScope()
  scope.run(() => useKeepScreenOn({ needed, progress, platform: platform() }))
  return { needed, progress, scope }
}

it('keeps the screen on while something is left to upload or insert, and lets it sleep once the receipt shows', async () => {
  const { needed } = start()
  expect(calls).toEqual([])
  needed.value = true
  await nextTick()
  expect(calls).toEqual([true])
  needed.value = false
  await nextTick()
  expect(calls).toEqual([true, false])
})

it('lets it sleep after 10 minutes without progress, and keeps it on as long as the queue moves', async () => {
  const { needed, progress } = start(ref(true))
  expect(calls).toEqual([true])
  for (let minute = 1; minute <= 30; minute++) {
    vi.advanceTimersByTime(60_000)
    progress.value = minute // bytes keep going out
    await nextTick()
  }
  expect(calls).toEqual([true])
  vi.advanceTimersByTime(NO_PROGRESS_LIMIT_MS)
  await nextTick()
  expect(calls).toEqual([true, false])
  // Progress again (the network came back): on again.
  progress.value = 31
  await nextTick()
  expect(calls).toEqual([true, false, true])
  needed.value = false
  await nextTick()
  expect(calls).toEqual([true, false, true, false])
})

it('releases it when the person leaves, and takes it again when the app is back in the foreground', async () => {
  const { scope } = start(ref(true))
  resume()
  expect(calls).toEqual([true, true])
  scope.stop()
  expect(calls).toEqual([true, true, false])
})
