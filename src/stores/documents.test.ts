import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { MAX_RECENT_DOCUMENTS, SEARCH_DEBOUNCE_MS, useDocumentsStore, type ChosenDocument } from './documents'
import { errorReply, installFakeApi, type FakeApi, type FakeRequest } from '@testing/fake-api'

let api: FakeApi

const summary = (docId: string, name = `Doc ${docId}`) => ({
  docId,
  name,
  url: `https://alidocs.dingtalk.com/i/nodes/${docId}`,
  workspaceName: 'Team',
})
const node = (docId: string, kind: 'document' | 'folder', editable: boolean) => ({
  docId,
  name: `Node ${docId}`,
  kind,
  url: `https://alidocs.dingtalk.com/i/nodes/${docId}`,
  editable,
  hasChildren: kind === 'folder',
})
const doc = (docId: string): ChosenDocument => ({ docId, name: `Doc ${docId}`, url: `https://alidocs.dingtalk.com/i/nodes/${docId}` })
const searches = (q: string) => api.calls.filter((c: FakeRequest) => c.path === '/documents' && c.params.q === q)

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
  api = installFakeApi()
  api.on('GET /documents', { status: 200, body: { items: [], nextCursor: null } })
  api.on('GET /workspaces', { status: 200, body: { items: [], nextCursor: null } })
})
afterEach(() => {
  api.restore()
  vi.useRealTimers()
})

describe('search', () => {
  it('waits for typing to pause before searching, and searches only the last query', async () => {
    vi.useFakeTimers()
    const documents = useDocumentsStore()
    documents.setQuery('周')
    await vi.advanceTimersByTimeAsync(100)
    documents.setQuery('周报')
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 1)
    expect(api.count('GET /documents')).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(searches('周报')).toHaveLength(1)
    expect(searches('周')).toHaveLength(0)
    expect(documents.view).toBe('search')
  })

  it('drops results of an older query that arrive after a newer one', async () => {
    vi.useFakeTimers()
    let releaseOld: (() => void) | null = null
    api.on('GET /documents', (req) =>
      req.params.q === 'old'
        ? new Promise((resolve) => {
            releaseOld = () => resolve({ status: 200, body: { items: [summary('OLD')], nextCursor: null } })
          })
        : { status: 200, body: { items: [summary('NEW')], nextCursor: null } },
    )
    const documents = useDocumentsStore()
    documents.setQuery('old')
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    documents.setQuery('new')
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    releaseOld!()
    await vi.advanceTimersByTimeAsync(0)
    expect(documents.searchResults.items.map((d) => d.docId)).toEqual(['NEW'])
  })

  it('appends the next page with the cursor and stops after the last one', async () => {
    api.on('GET /documents', (req) =>
      req.params.cursor === 'page-2'
        ? { status: 200, body: { items: [summary('C')], nextCursor: null } }
        : { status: 200, body: { items: [summary('A'), summary('B')], nextCursor: 'page-2' } },
    )
    const documents = useDocumentsStore()
    documents.start('u1')
    expect(api.count('GET /documents')).toBe(0) // nothing is listed until the chooser shows
    documents.loadChooserLists() // empty query: recently edited
    await vi.waitFor(() => expect(documents.recentlyEdited.loaded).toBe(true))
    expect(documents.recentlyEdited.finished).toBe(false)
    await documents.recentlyEdited.loadMore()
    expect(documents.recentlyEdited.items.map((d) => d.docId)).toEqual(['A', 'B', 'C'])
    expect(documents.recentlyEdited.finished).toBe(true)
    await documents.recentlyEdited.loadMore()
    expect(api.count('GET /documents')).toBe(2)
    expect(api.calls.filter((c) => c.path === '/documents').map((c) => c.params.cursor)).toEqual([undefined, 'page-2'])
  })

  it('keeps a failed page as an error that a retry clears', async () => {
    api.on('GET /documents', { fail: 'network' })
    const documents = useDocumentsStore()
    await documents.recentlyEdited.loadMore()
    expect(documents.recentlyEdited.error).toMatchObject({ code: 'network_error' })
    api.on('GET /documents', { status: 200, body: { items: [summary('A')], nextCursor: null } })
    await documents.recentlyEdited.loadMore()
    expect(documents.recentlyEdited.error).toBeNull()
    expect(documents.recentlyEdited.items).toHaveLength(1)
  })
})

describe('recent targets', () => {
  it('remembers chosen documents last-first, without duplicates, capped, per person, and preselects the last', async () => {
    const documents = useDocumentsStore()
    documents.start('u1')
    for (let i = 1; i <= MAX_RECENT_DOCUMENTS + 2; i++) await documents.select(doc(`D${i}`), true)
    await documents.select(doc('D5'), true)
    const expected = ['D5', 'D10', 'D9', 'D8', 'D7', 'D6', 'D4', 'D3']
    expect(documents.recent.map((d) => d.docId)).toEqual(expected)
    expect(documents.recent).toHaveLength(MAX_RECENT_DOCUMENTS)

    // Next visit on this device (a fresh store): same list, the last one preselected.
    setActivePinia(createPinia())
    const again = useDocumentsStore()
    again.start('u1')
    expect(again.recent.map((d) => d.docId)).toEqual(expected)
    expect(again.selected?.docId).toBe('D5')

    // Someone else on the same device has their own list.
    setActivePinia(createPinia())
    const other = useDocumentsStore()
    other.start('u2')
    expect(other.recent).toEqual([])
    expect(other.selected).toBeNull()
  })

  it('ignores a corrupt stored list instead of breaking the chooser', () => {
    localStorage.setItem('doc-attach:recent-documents:u1', '{not json')
    const documents = useDocumentsStore()
    documents.start('u1')
    expect(documents.recent).toEqual([])
  })

  it('lets the person change the preselected document', async () => {
    const documents = useDocumentsStore()
    documents.start('u1')
    await documents.select(doc('D1'), true)
    documents.clearSelection()
    expect(documents.selected).toBeNull()
    expect(documents.recent.map((d) => d.docId)).toEqual(['D1'])
  })
})

describe('read-only documents', () => {
  it('refuses a node the person cannot edit and keeps the current choice', async () => {
    const documents = useDocumentsStore()
    documents.start('u1')
    const readOnly = node('RO', 'document', false)
    expect(await documents.select(readOnly, readOnly.editable)).toBe(false)
    expect(documents.selectError).toMatchObject({ code: 'read_only' })
    expect(documents.selected).toBeNull()
    expect(documents.recent).toEqual([])
    expect(api.count('POST /documents/resolve')).toBe(0)
  })

  it('checks a search result on select, refuses it when read-only and marks it so', async () => {
    api.on('POST /documents/resolve', (req) => {
      const url = (req.body as { url: string }).url
      const docId = url.split('/').at(-1) ?? ''
      return { status: 200, body: { docId, name: `Doc ${docId}`, url, editable: docId === 'EDIT' } }
    })
    const documents = useDocumentsStore()
    documents.start('u1')
    expect(documents.isEditable('VIEW')).toBe(true) // unknown until checked
    expect(await documents.select(summary('VIEW'))).toBe(false)
    expect(documents.selectError).toMatchObject({ code: 'read_only' })
    expect(documents.isEditable('VIEW')).toBe(false)
    expect(documents.selected).toBeNull()

    expect(await documents.select(summary('EDIT'))).toBe(true)
    expect(documents.selected).toEqual(doc('EDIT'))
    expect(documents.selectError).toBeNull()
    // Once known, a second tap on the read-only one does not ask the server again.
    await documents.select(summary('VIEW'))
    expect(api.count('POST /documents/resolve')).toBe(2)
  })
})

describe('pasted links', () => {
  it('selects an editable document from its link', async () => {
    api.on('POST /documents/resolve', {
      status: 200,
      body: { docId: 'L1', name: '周报', url: 'https://alidocs.dingtalk.com/i/nodes/L1', editable: true },
    })
    const documents = useDocumentsStore()
    documents.start('u1')
    expect(await documents.selectByLink('  https://alidocs.dingtalk.com/i/nodes/L1  ')).toBe(true)
    expect(api.calls.at(-1)?.body).toEqual({ url: 'https://alidocs.dingtalk.com/i/nodes/L1' })
    expect(documents.selected?.name).toBe('周报')
  })

  it.each([
    [400, 'invalid_url'],
    [404, 'document_not_found'],
    [403, 'forbidden'],
  ])('shows %i %s for a link that does not lead to a document', async (status, code) => {
    api.on('POST /documents/resolve', errorReply(status, code))
    const documents = useDocumentsStore()
    documents.start('u1')
    expect(await documents.selectByLink('https://example.com/x')).toBe(false)
    expect(documents.linkError).toMatchObject({ code, status })
    expect(documents.selected).toBeNull()
  })

  it('refuses a read-only document behind a link', async () => {
    api.on('POST /documents/resolve', {
      status: 200,
      body: { docId: 'L2', name: 'Policy', url: 'https://alidocs.dingtalk.com/i/nodes/L2', editable: false },
    })
    const documents = useDocumentsStore()
    documents.start('u1')
    expect(await documents.selectByLink('https://alidocs.dingtalk.com/i/nodes/L2')).toBe(false)
    expect(documents.linkError).toMatchObject({ code: 'read_only' })
  })
})

describe('browsing knowledge bases', () => {
  it('drills into a workspace and a folder, and goes back up the breadcrumb', async () => {
    api.on('GET /nodes', (req) =>
      req.params.parentId === 'root-1'
        ? { status: 200, body: { items: [node('F1', 'folder', true), node('D1', 'document', true)], nextCursor: null } }
        : { status: 200, body: { items: [node('D2', 'document', false)], nextCursor: null } },
    )
    const documents = useDocumentsStore()
    documents.openWorkspace({ workspaceId: 'ws1', name: 'Team', rootNodeId: 'root-1', type: 'TEAM' })
    await vi.waitFor(() => expect(documents.nodes.loaded).toBe(true))
    expect(documents.view).toBe('browse')
    expect(documents.nodes.items.map((n) => n.docId)).toEqual(['F1', 'D1'])

    documents.openFolder(node('F1', 'folder', true))
    await vi.waitFor(() => expect(documents.nodes.items.map((n) => n.docId)).toEqual(['D2']))
    expect(documents.browsePath.map((l) => l.name)).toEqual(['Team', 'Node F1'])

    documents.goToLevel(1)
    await vi.waitFor(() => expect(documents.nodes.items.map((n) => n.docId)).toEqual(['F1', 'D1']))
    documents.goToLevel(0)
    expect(documents.view).toBe('home')
    expect(api.calls.filter((c) => c.path === '/nodes').map((c) => c.params.parentId)).toEqual(['root-1', 'F1', 'root-1'])
  })
})

describe('search key', () => {
  it('searches at once on Enter instead of waiting for the pause', async () => {
    vi.useFakeTimers()
    const documents = useDocumentsStore()
    documents.setQuery('周报')
    documents.searchNow()
    await vi.advanceTimersByTimeAsync(0)
    expect(searches('周报')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    expect(searches('周报')).toHaveLength(1) // the pending debounced search does not repeat it
  })
})
