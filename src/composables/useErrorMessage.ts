/**
 * Turns any error the app meets into a localized sentence with a next step, from the "errors"
 * table of the locale files (docs/architecture.md: never raw server text). Used by every component that shows
 * `error-message`, including the upload components.
 */
import { useI18n } from 'vue-i18n'
import { ApiError } from '@/api/http'
import { PlatformError } from '@/platform'

/** The key under `errors.` that explains `error`; unknown codes fall back to `unknown`. */
export function errorKey(error: unknown): string {
  if (error instanceof ApiError) return error.code
  if (error instanceof PlatformError) return `bridge_${error.code}`
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code
  }
  return 'unknown'
}

/** `(error) => localized message`; a code without a translation shows the generic message. */
export function useErrorMessage(): (error: unknown) => string {
  const { t, te } = useI18n()
  return (error: unknown) => {
    const key = `errors.${errorKey(error)}`
    return te(key) ? t(key) : t('errors.unknown')
  }
}
