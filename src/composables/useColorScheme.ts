import { onScopeDispose, readonly, ref, type Ref } from 'vue'

export type ColorScheme = 'light' | 'dark'

/**
 * The device's colour scheme (`prefers-color-scheme`), following changes while the app is open (a
 * phone switching to dark mode at dusk). Light when the browser cannot tell.
 */
export function useColorScheme(): Readonly<Ref<ColorScheme>> {
  const query = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null
  const scheme = ref<ColorScheme>(query?.matches ? 'dark' : 'light')
  const update = (event: MediaQueryListEvent) => (scheme.value = event.matches ? 'dark' : 'light')
  query?.addEventListener('change', update)
  onScopeDispose(() => query?.removeEventListener('change', update))
  return readonly(scheme)
}
