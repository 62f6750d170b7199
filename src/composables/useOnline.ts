import { readonly, ref, type Ref } from 'vue'

const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine)
let listening = false

function listen(): void {
  if (listening || typeof window === 'undefined') return
  listening = true
  window.addEventListener('online', () => (online.value = true))
  window.addEventListener('offline', () => (online.value = false))
}

/**
 * Whether the device believes it is online (`navigator.onLine` plus the `online`/`offline`
 * events). One shared ref for the whole app: the upload queue pauses on it and the UI shows it.
 * `false` is reliable (no network); `true` only means "worth trying".
 */
export function useOnline(): { online: Readonly<Ref<boolean>> } {
  listen()
  online.value = typeof navigator === 'undefined' ? true : navigator.onLine
  return { online: readonly(online) }
}
