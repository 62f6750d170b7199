/**
 * Choosing the target document (docs/architecture.md, step 3): the documents used last on this device,
 * search (recently edited when the query is empty), knowledge-base browsing, and pasted links.
 * Only documents the person can edit can be chosen; where a list does not say (search results),
 * editability is resolved when the person picks one.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { DocNode, DocumentSummary, Workspace } from '@contract/api'
import { listNodes, listWorkspaces, resolveDocument, searchDocuments } from '@/api/documents'
import { usePagedList } from '@/composables/usePagedList'

/** What the rest of the app gets: enough to upload into and to open the document. */
export interface ChosenDocument {
  docId: string
  name: string
  url: string
}

/** The person may only view the document they picked (shown with `errors.read_only`). */
export class ReadOnlyDocumentError extends Error {
  override readonly name = 'ReadOnlyDocumentError'
  readonly code = 'read_only'
  constructor(readonly docId: string) {
    super(`Document ${docId} is read-only for this user`)
  }
}

export const SEARCH_DEBOUNCE_MS = 300
export const MAX_RECENT_DOCUMENTS = 8
const RECENT_KEY_PREFIX = 'doc-attach:recent-documents:'

/** One folder level of the knowledge-base browser; the first entry is the workspace root. */
export interface BrowseLevel {
  parentId: string
  name: string
}

function readRecent(key: string): ChosenDocument[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key) ?? '[]')
    if (!Array.isArray(parsed)) return []
    return parsed
      .filter(
        (d): d is ChosenDocument =>
          typeof d === 'object' && d !== null && typeof d.docId === 'string' && typeof d.name === 'string' && typeof d.url === 'string',
      )
      .map(({ docId, name, url }) => ({ docId, name, url }))
      .slice(0, MAX_RECENT_DOCUMENTS)
  } catch {
    return [] // unreadable storage (private mode, corrupt value) means no recents, not a broken page
  }
}

function writeRecent(key: string, docs: ChosenDocument[]): void {
  try {
    localStorage.setItem(key, JSON.stringify(docs))
  } catch {
    // Storage full or disabled: recents are a convenience, the attach still works.
  }
}

/** The chooser's state: recents, lists, browsing position and the chosen document. */
export const useDocumentsStore = defineStore('documents', () => {
  /** Whose recents these are: one device may serve several people (and the sandbox's demo users). */
  const ownerId = ref<string | null>(null)
  const recent = ref<ChosenDocument[]>([])
  const selected = ref<ChosenDocument | null>(null)

  /** What the person typed; results follow after SEARCH_DEBOUNCE_MS. */
  const query = ref('')
  /** The query the search list currently shows (trimmed). */
  const activeQuery = ref('')
  let debounceTimer: ReturnType<typeof setTimeout> | null = null

  const recentlyEdited = usePagedList<DocumentSummary>((cursor) => searchDocuments('', cursor))
  const searchResults = usePagedList<DocumentSummary>((cursor) => searchDocuments(activeQuery.value, cursor))
  const workspaces = usePagedList<Workspace>((cursor) => listWorkspaces(cursor))
  const browsePath = ref<BrowseLevel[]>([])
  const nodes = usePagedList<DocNode>((cursor) => {
    const level = browsePath.value[browsePath.value.length - 1]
    return level ? listNodes(level.parentId, cursor) : Promise.resolve({ items: [], nextCursor: null })
  })

  /** Editability learned so far (nodes say it; search results learn it on select). */
  const editability = ref<Record<string, boolean>>({})
  /** The document whose access is being checked after a pick. */
  const checkingDocId = ref<string | null>(null)
  const selectError = shallowRef<unknown>(null)

  const linkLoading = ref(false)
  const linkError = shallowRef<unknown>(null)

  const view = computed<'search' | 'browse' | 'home'>(() => {
    if (query.value.trim() !== '') return 'search'
    if (browsePath.value.length > 0) return 'browse'
    return 'home'
  })

  function storageKey(): string | null {
    return ownerId.value ? RECENT_KEY_PREFIX + ownerId.value : null
  }

  /**
   * Prepares the chooser for a signed-in person: their recents, the last one preselected so a
   * repeat attach is open → pick → send. Calling it again for the same person keeps their state.
   */
  function start(userId: string): void {
    if (ownerId.value === userId) return
    $reset()
    ownerId.value = userId
    const key = storageKey()
    recent.value = key ? readRecent(key) : []
    selected.value = recent.value[0] ?? null
  }

  /**
   * First pages of recently edited and knowledge bases, when the chooser is shown (not at sign-in:
   * with a preselected recent document they are often never needed, and every listing costs
   * DingTalk API quota).
   */
  function loadChooserLists(): void {
    if (!recentlyEdited.loaded) void recentlyEdited.loadMore()
    if (!workspaces.loaded) void workspaces.loadMore()
  }

  /** Back to a blank chooser (sign-out, another person). */
  function $reset(): void {
    if (debounceTimer) clearTimeout(debounceTimer)
    debounceTimer = null
    ownerId.value = null
    recent.value = []
    selected.value = null
    query.value = ''
    activeQuery.value = ''
    recentlyEdited.reset()
    searchResults.reset()
    workspaces.reset()
    browsePath.value = []
    nodes.reset()
    editability.value = {}
    checkingDocId.value = null
    selectError.value = null
    linkLoading.value = false
    linkError.value = null
  }

  function runSearch(): void {
    const next = query.value.trim()
    if (next === '') {
      activeQuery.value = ''
      searchResults.reset()
      return
    }
    if (next === activeQuery.value && (searchResults.loaded || searchResults.loading)) return
    activeQuery.value = next
    searchResults.reset()
    void searchResults.loadMore()
  }

  /** Updates the query; the search runs once typing pauses for SEARCH_DEBOUNCE_MS. */
  function setQuery(value: string): void {
    query.value = value
    selectError.value = null
    if (debounceTimer) clearTimeout(debounceTimer)
    debounceTimer = setTimeout(() => {
      debounceTimer = null
      runSearch()
    }, SEARCH_DEBOUNCE_MS)
  }

  /** Searches at once (the keyboard's search key), without waiting for the debounce. */
  function searchNow(): void {
    if (debounceTimer) clearTimeout(debounceTimer)
    debounceTimer = null
    runSearch()
  }

  function remember(doc: ChosenDocument): void {
    const next = [doc, ...recent.value.filter((d) => d.docId !== doc.docId)].slice(0, MAX_RECENT_DOCUMENTS)
    recent.value = next
    const key = storageKey()
    if (key) writeRecent(key, next)
  }

  function choose(doc: ChosenDocument): void {
    const chosen = { docId: doc.docId, name: doc.name, url: doc.url }
    selected.value = chosen
    selectError.value = null
    linkError.value = null
    remember(chosen)
  }

  /** Whether `docId` may be offered as a target: false only once we know it is read-only. */
  function isEditable(docId: string, known?: boolean): boolean {
    return (known ?? editability.value[docId]) !== false
  }

  /**
   * Picks a document. `editable` is what the list said (nodes); when unknown (search results) the
   * document is resolved first and a read-only one is refused with `ReadOnlyDocumentError`.
   * Returns whether it was chosen.
   */
  async function select(doc: ChosenDocument, editable?: boolean): Promise<boolean> {
    selectError.value = null
    const known = editable ?? editability.value[doc.docId]
    if (known === false) {
      selectError.value = new ReadOnlyDocumentError(doc.docId)
      return false
    }
    if (known === true) {
      choose(doc)
      return true
    }
    if (checkingDocId.value !== null) return false
    checkingDocId.value = doc.docId
    try {
      const resolved = await resolveDocument(doc.url)
      editability.value = { ...editability.value, [doc.docId]: resolved.editable, [resolved.docId]: resolved.editable }
      if (!resolved.editable) {
        selectError.value = new ReadOnlyDocumentError(resolved.docId)
        return false
      }
      choose(resolved)
      return true
    } catch (cause) {
      selectError.value = cause
      return false
    } finally {
      checkingDocId.value = null
    }
  }

  /** Picks the document behind a pasted DingTalk link (POST /api/documents/resolve). */
  async function selectByLink(url: string): Promise<boolean> {
    const trimmed = url.trim()
    if (trimmed === '' || linkLoading.value) return false
    linkLoading.value = true
    linkError.value = null
    try {
      const resolved = await resolveDocument(trimmed)
      editability.value = { ...editability.value, [resolved.docId]: resolved.editable }
      if (!resolved.editable) {
        linkError.value = new ReadOnlyDocumentError(resolved.docId)
        return false
      }
      choose(resolved)
      return true
    } catch (cause) {
      linkError.value = cause
      return false
    } finally {
      linkLoading.value = false
    }
  }

  /** Lets the person choose another document (the chooser shows again). */
  function clearSelection(): void {
    selected.value = null
    selectError.value = null
  }

  function showLevel(path: BrowseLevel[]): void {
    browsePath.value = path
    selectError.value = null
    nodes.reset()
    if (path.length > 0) void nodes.loadMore()
  }

  /** Opens a knowledge base at its root node. */
  function openWorkspace(workspace: Workspace): void {
    showLevel([{ parentId: workspace.rootNodeId, name: workspace.name }])
  }

  /** Drills into a folder of the current level. */
  function openFolder(node: DocNode): void {
    showLevel([...browsePath.value, { parentId: node.docId, name: node.name }])
  }

  /** Goes back to a breadcrumb: 0 = the list of knowledge bases. */
  function goToLevel(depth: number): void {
    showLevel(browsePath.value.slice(0, Math.max(0, depth)))
  }

  return {
    ownerId,
    recent,
    selected,
    query,
    activeQuery,
    recentlyEdited,
    searchResults,
    workspaces,
    browsePath,
    nodes,
    editability,
    checkingDocId,
    selectError,
    linkLoading,
    linkError,
    view,
    start,
    loadChooserLists,
    $reset,
    setQuery,
    searchNow,
    isEditable,
    select,
    selectByLink,
    clearSelection,
    openWorkspace,
    openFolder,
    goToLevel,
  }
})
