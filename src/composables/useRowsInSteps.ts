import { computed, onScopeDispose, ref, watch, type ComputedRef } from 'vue'

/** Queue rows mounted in one task: a few ms each on a slow phone, so a step stays far below 200 ms. */
export const ROWS_PER_STEP = 10

/**
 * How many rows of a list to render now. Picking 50 photos adds 50 rows at once, and sending a
 * batch moves 50 rows to the waiting list; mounting and laying them all out in one task blocks the
 * page on a phone (issue 18: no main-thread task over 200 ms, the `siteVisit` bench's
 * `longestTaskMs`). Instead, what was shown stays, up to `step` new rows show at once, and the rest
 * follow `step` per task, so taps and scrolling are answered in between. Every row is there a few
 * tasks later; a list that grows by fewer than `step` rows shows them at once.
 */
export function useRowsInSteps(total: () => number, step = ROWS_PER_STEP): ComputedRef<number> {
  const allowed = ref(step)
  let timer: ReturnType<typeof setTimeout> | null = null

  function more(): void {
    timer = null
    allowed.value += step
    schedule()
  }
  function schedule(): void {
    if (timer === null && allowed.value < total()) timer = setTimeout(more, 0)
  }

  watch(total, (now, before) => {
    allowed.value = Math.min(before, allowed.value, now) + step
    schedule()
  })
  schedule()
  onScopeDispose(() => {
    if (timer !== null) clearTimeout(timer)
  })
  return computed(() => Math.min(total(), allowed.value))
}
