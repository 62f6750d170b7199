import { useI18n } from 'vue-i18n'
import type { ItemError } from '@/stores/uploads'
import { useErrorMessage } from './useErrorMessage'

/**
 * `(ItemError) => localized reason`: the queue's own codes (too_large, too_many, …) come from
 * `upload.errors`, server and network codes from the shared `errors` table.
 */
export function useItemErrorText(): (error: ItemError) => string {
  const { t, te } = useI18n()
  const messageFor = useErrorMessage()
  return (error) => {
    const key = `upload.errors.${error.code}`
    return te(key) ? t(key, error.params ?? {}) : messageFor({ code: error.code })
  }
}
