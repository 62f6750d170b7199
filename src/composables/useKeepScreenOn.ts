/**
 * Keeps the screen on while the queue has work (a long upload must not stop because the phone
 * went to sleep and the webview was suspended): on while `needed` holds, off once the work is done
 * (the receipt shows), when the person leaves (the scope ends), and after NO_PROGRESS_LIMIT_MS
 * without progress (a queue stuck offline must not drain the battery). The browser drops a wake
 * lock when the page is hidden, so it is taken again when the app is back in the foreground.
 * A container that cannot keep the screen on only means the screen may sleep, as before.
 */
import { onScopeDispose, ref, watch, type Ref } from 'vue'
import { getPlatform, type Platform } from '@/platform'

export const NO_PROGRESS_LIMIT_MS = 10 * 60_000

export interface KeepScreenOnOptions {
  /** Something is left to upload or insert. */
  needed: Readonly<Ref<boolean>>
  /** Changes whenever the queue moves forward (bytes sent, an item's status). */
  progress: Readonly<Ref<unknown>>
  platform?: Platform
}

export function useKeepScreenOn(options: KeepScreenOnOptions): { on: Readonly<Ref<boolean>> } {
  const platform = options.platform ?? getPlatform()
  const on = ref(false)
  const stalled = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null

  function apply(value: boolean): void {
    if (on.value === value) return
    on.value = value
    platform.keepScreenOn(value).catch(() => undefined)
  }
  function restartClock(): void {
    if (timer) clearTimeout(timer)
    stalled.value = false
    timer = options.needed.value ? setTimeout(() => (stalled.value = true), NO_PROGRESS_LIMIT_MS) : null
  }

  watch(options.progress, restartClock)
  watch(
    () => options.needed.value && !stalled.value,
    (wanted) => apply(wanted),
    { immediate: true },
  )
  watch(options.needed, restartClock, { immediate: true })
  const stopResume = platform.onResume(() => {
    // Hidden, the browser released the lock: take it again if it is still wanted.
    if (on.value) platform.keepScreenOn(true).catch(() => undefined)
  })

  onScopeDispose(() => {
    stopResume()
    if (timer) clearTimeout(timer)
    apply(false)
  })
  return { on }
}
