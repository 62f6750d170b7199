import { reactive, ref, shallowRef, type Ref } from 'vue'

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/**
 * A cursor-paged list (docs/api.md: `items` + `nextCursor`, null at the end) that appends pages
 * and owns its loading/error state. `reset()` starts over, optionally from another source; answers
 * that arrive after a reset are dropped, so a slow old page never lands in a new list.
 */
export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  let source = fetchPage
  let generation = 0
  const items = ref([]) as Ref<T[]>
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  /** True once the last page arrived (nextCursor null). */
  const finished = ref(false)
  /** True once the first page arrived (so an empty list can say "nothing here"). */
  const loaded = ref(false)
  const error = shallowRef<unknown>(null)

  /** Fetches the next page and appends it; does nothing while a page is loading or after the last one. */
  async function loadMore(): Promise<void> {
    if (loading.value || finished.value) return
    const mine = generation
    loading.value = true
    error.value = null
    try {
      const page = await source(nextCursor.value)
      if (mine !== generation) return
      items.value.push(...page.items)
      nextCursor.value = page.nextCursor
      finished.value = page.nextCursor === null
      loaded.value = true
    } catch (cause) {
      if (mine === generation) error.value = cause
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  /** Empties the list; the next `loadMore()` starts from the first page of `nextSource` (or the same source). */
  function reset(nextSource?: (cursor: string | null) => Promise<Page<T>>): void {
    generation += 1
    if (nextSource) source = nextSource
    items.value = []
    nextCursor.value = null
    loading.value = false
    finished.value = false
    loaded.value = false
    error.value = null
  }

  return reactive({ items, nextCursor, loading, finished, loaded, error, loadMore, reset })
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>
