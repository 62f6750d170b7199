/**
 * Vant's toast and confirm dialog: what the browser shows, and what DingTalk falls back to when its
 * own device.notification call fails. Loaded on first use, so neither is in the first screen.
 */
import type { ConfirmQuestion, ToastKind } from './types'

/** Shows Vant's text toast (no icon: icons would pull Vant's icon font). Never rejects. */
export async function vantToast(text: string, kind: ToastKind = 'info'): Promise<void> {
  try {
    const { showToast } = await import('./vant-notify-impl')
    showToast({ message: text, type: 'text', className: `app-toast app-toast--${kind}`, wordBreak: 'break-word' })
  } catch {
    // A toast is a courtesy: when even Vant cannot load (a lost chunk), nothing else depends on it.
  }
}

/** Vant's confirm dialog; `true` for ok. A dialog that cannot load counts as "cancel" (the safe answer). */
export async function vantConfirm(question: ConfirmQuestion): Promise<boolean> {
  try {
    const { showConfirmDialog } = await import('./vant-notify-impl')
    return await showConfirmDialog({
      title: question.title,
      message: question.message,
      confirmButtonText: question.ok,
      cancelButtonText: question.cancel,
      className: 'app-confirm',
    }).then(
      () => true,
      () => false,
    )
  } catch {
    return false
  }
}
