/**
 * Makes the app behave like a page of its container (docs/dingtalk.md#navigation): the navigation
 * bar carries the current screen's title, the container's back goes one step back in the app
 * (composer → chooser → closed), asking first while items are still on their way, and the app's
 * lifecycle keeps the queue going (resume) and saved (pause). All container calls go through
 * src/platform/; the upload queue's store is loaded only when needed, so it stays out of the first screen.
 */
import { computed, onScopeDispose, watch, type ComputedRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { getActivePinia } from 'pinia'
import { getPlatform, type Platform } from '@/platform'
import { useSessionStore } from '@/stores/session'
import { useDocumentsStore } from '@/stores/documents'

export type Screen = 'sign-in' | 'chooser' | 'composer'

/** Statuses of items still on their way into the document. */
const UNFINISHED = new Set(['preparing', 'ready', 'uploading', 'inserting'])

/**
 * The upload queue's store when this page has created it (the composer was opened), else null:
 * creating it here would load its chunk for nothing, and it has nothing to save or restart yet.
 */
async function existingUploads() {
  const pinia = getActivePinia()
  if (!pinia || !('uploads' in pinia.state.value)) return null
  const { useUploadsStore } = await import('@/stores/uploads')
  return useUploadsStore(pinia)
}

/** How many queue items are not in the document yet and not failed. */
async function unfinishedItems(): Promise<number> {
  const uploads = await existingUploads()
  return uploads ? uploads.items.filter((item) => UNFINISHED.has(item.status)).length : 0
}

export interface ContainerShell {
  screen: ComputedRef<Screen>
  title: ComputedRef<string>
  /** What the container's back does on the current screen (also callable from the UI). */
  back(): Promise<void>
}

export function useContainerShell(platform: Platform = getPlatform()): ContainerShell {
  const { t } = useI18n()
  const session = useSessionStore()
  const documents = useDocumentsStore()

  const screen = computed<Screen>(() => (!session.signedIn ? 'sign-in' : documents.selected ? 'composer' : 'chooser'))
  const title = computed(() => {
    if (screen.value === 'composer' && documents.selected) return documents.selected.name
    return screen.value === 'chooser' ? t('chooser.title') : t('app.title')
  })
  watch(title, (value) => void platform.setTitle(value), { immediate: true })

  /** Asks before leaving while items are unfinished; true when the person wants to leave. */
  async function mayLeave(question: 'toChooser' | 'close'): Promise<{ leave: boolean; unfinished: number }> {
    const unfinished = await unfinishedItems().catch(() => 0)
    if (unfinished === 0) return { leave: true, unfinished }
    const leave = await platform.confirm({
      title: t(`shell.leave.${question}.title`),
      message: t(`shell.leave.${question}.message`, { count: unfinished }, unfinished),
      ok: t(`shell.leave.${question}.ok`),
      cancel: t('shell.leave.stay'),
    })
    return { leave, unfinished }
  }

  let leaving = false
  async function back(): Promise<void> {
    if (leaving) return // a second back while the question is up
    leaving = true
    try {
      if (screen.value === 'composer') {
        const { leave, unfinished } = await mayLeave('toChooser')
        if (!leave) return
        documents.clearSelection()
        if (unfinished > 0) void platform.toast(t('shell.continuesInBackground'))
        return
      }
      const { leave, unfinished } = await mayLeave('close')
      if (!leave) return
      // Everything is saved before the page goes: the next start carries on from here.
      if (unfinished > 0) await (await existingUploads())?.flush()
      await platform.close().catch(() => undefined)
    } finally {
      leaving = false
    }
  }

  async function onResume(): Promise<void> {
    void session.recheck()
    ;(await existingUploads())?.resume()
  }

  async function onPause(): Promise<void> {
    await (await existingUploads())?.flush()
  }

  const releases = [
    platform.onBack(() => void back()),
    platform.onResume(() => void onResume().catch(() => undefined)),
    platform.onPause(() => void onPause().catch(() => undefined)),
  ]
  onScopeDispose(() => releases.forEach((release) => release()))

  return { screen, title, back }
}
