/**
 * Makes the app behave like a page of its container (docs/dingtalk.md#navigation): the navigation
 * bar carries the current screen's title, the container's back goes one step back in the app
 * (composer → chooser → closed), asking first while items are still on their way, and the app's
 * lifecycle keeps the queue going (resume) and saved (pause). All container calls go through
 * src/platform/; the upload queue's store is never imported here, so it stays out of the first screen.
 */
import { computed, onScopeDispose, watch, type ComputedRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { getActivePinia } from 'pinia'
import type { useUploadsStore } from '@/stores/uploads'
import { getPlatform, type Platform } from '@/platform'
import { useSessionStore } from '@/stores/session'
import { useDocumentsStore } from '@/stores/documents'

export type Screen = 'sign-in' | 'chooser' | 'composer'

/** Statuses of items still on their way into the document. */
const UNFINISHED = new Set(['preparing', 'ready', 'uploading', 'inserting'])

/** What the shell needs of the upload queue's store. */
type Queue = Pick<ReturnType<typeof useUploadsStore>, 'items' | 'flush' | 'resume'>

/**
 * The upload queue's store once the page has created it (the composer was opened), caught with a
 * Pinia plugin rather than imported: importing it here would pull the queue (and its chunk split)
 * into the first screen, and before it exists there is nothing to save or restart anyway.
 */
function watchForQueue(): () => Queue | null {
  let queue: Queue | null = null
  getActivePinia()?.use(({ store }) => {
    if (store.$id === 'uploads') queue = store as unknown as Queue
  })
  return () => queue
}

/** How many queue items are not in the document yet and not failed. */
function unfinishedItems(queue: Queue | null): number {
  return queue ? queue.items.filter((item) => UNFINISHED.has(item.status)).length : 0
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
  const queue = watchForQueue()

  const screen = computed<Screen>(() => (!session.signedIn ? 'sign-in' : documents.selected ? 'composer' : 'chooser'))
  const title = computed(() => {
    if (screen.value === 'composer' && documents.selected) return documents.selected.name
    return screen.value === 'chooser' ? t('chooser.title') : t('app.title')
  })
  watch(title, (value) => void platform.setTitle(value), { immediate: true })

  /** Asks before leaving while items are unfinished; true when the person wants to leave. */
  async function mayLeave(question: 'toChooser' | 'close'): Promise<{ leave: boolean; unfinished: number }> {
    const unfinished = unfinishedItems(queue())
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
      if (unfinished > 0) await queue()?.flush()
      await platform.close().catch(() => undefined)
    } finally {
      leaving = false
    }
  }

  async function onResume(): Promise<void> {
    await session.recheck()
    queue()?.resume()
  }

  async function onPause(): Promise<void> {
    await queue()?.flush()
  }

  const releases = [
    platform.onBack(() => void back()),
    platform.onResume(() => void onResume().catch(() => undefined)),
    platform.onPause(() => void onPause().catch(() => undefined)),
  ]
  onScopeDispose(() => releases.forEach((release) => release()))

  return { screen, title, back }
}
