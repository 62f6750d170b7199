/**
 * The client in front of answers shaped only as DingTalk's documentation shows them (no echoed
 * children, "Undefined" block types, bare `{"success":true}`, empty lists left out): every one is
 * read without a 502 (docs/dingtalk.md#answer-profiles).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fakeClient, startFakeDingTalk, type FakeDingTalk } from '@testing/dingtalk-client'

const BLOCKS = '/v1.0/doc/suites/documents/doc1/blocks'
const APPEND = '/v1.0/doc/suites/documents/doc1/blocks/b1/paragraph/appendElement'
const paragraph = { element: { blockType: 'paragraph' as const, paragraph: {} } }

let fake: FakeDingTalk
beforeAll(async () => {
  fake = await startFakeDingTalk()
})
afterAll(async () => {
  await fake.close()
})
afterEach(() => {
  fake.routes.clear()
  fake.seen.length = 0
})

const calls = (path: string) => fake.seen.filter((s) => s.url.split('?')[0] === path).length

describe('DocInsertBlocks answers', () => {
  it('gives the stored block when DingTalk leaves out its children', async () => {
    fake.routes.set(`POST ${BLOCKS}`, {
      body: { success: true, result: { data: { blockType: 'paragraph', paragraph: {}, id: 'b9', index: 4 } } },
    })
    await expect(fakeClient(fake.base).api.insertBlock('doc1', 'u1', paragraph)).resolves.toMatchObject({
      id: 'b9',
      index: 4,
      blockType: 'paragraph',
    })
  })

  it('gives null (no block, but written) for a bare {"success":true}, sent once', async () => {
    fake.routes.set(`POST ${BLOCKS}`, { body: { success: true } })
    await expect(fakeClient(fake.base).api.insertBlock('doc1', 'u1', paragraph)).resolves.toBeNull()
    expect(calls(BLOCKS)).toBe(1)
  })

  it('gives null when the answer names no usable block (no id)', async () => {
    fake.routes.set(`POST ${BLOCKS}`, { body: { success: true, result: { data: { blockType: 'paragraph' } } } })
    await expect(fakeClient(fake.base).api.insertBlock('doc1', 'u1', paragraph)).resolves.toBeNull()
  })
})

describe('DocAppendParagraph answers', () => {
  const image = { elementType: 'image' as const, properties: { src: '/r/1' } }

  it('gives the new element when DingTalk names it', async () => {
    fake.routes.set(`POST ${APPEND}`, {
      body: { success: true, result: { data: { elementId: 'e1', elementType: 'image', index: 1, parentId: 'b1' } } },
    })
    await expect(fakeClient(fake.base).api.appendParagraphElement('doc1', 'b1', 'u1', image)).resolves.toMatchObject({
      elementId: 'e1',
      parentId: 'b1',
    })
  })

  it('gives null for a bare {"success":true}', async () => {
    fake.routes.set(`POST ${APPEND}`, { body: { success: true } })
    await expect(fakeClient(fake.base).api.appendParagraphElement('doc1', 'b1', 'u1', image)).resolves.toBeNull()
    expect(calls(APPEND)).toBe(1)
  })
})

describe('DocBlocksQuery answers', () => {
  it('keeps every root block: Undefined types, paragraphs with text only, unknown types', async () => {
    fake.routes.set(`GET ${BLOCKS}`, {
      body: {
        success: true,
        result: {
          data: [
            { blockType: 'heading', heading: { level: 1, text: 'Title' }, id: 'h', index: 0 },
            { blockType: 'paragraph', paragraph: { text: '' }, id: 'p', index: 1 },
            { blockType: 'Undefined', id: 'u', index: 2 },
            { blockType: 'mindmap', mindmap: { anything: [1, 2] }, id: 'm', index: 3 },
            { blockType: 'paragraph', paragraph: 'not an object', id: 'odd', index: 4 },
          ],
        },
      },
    })
    const blocks = await fakeClient(fake.base).api.queryBlocks('doc1', 'u1')
    expect(blocks.map((b) => [b.id, b.index, b.blockType])).toEqual([
      ['h', 0, 'heading'],
      ['p', 1, 'paragraph'],
      ['u', 2, 'Undefined'],
      ['m', 3, 'mindmap'],
      ['odd', 4, 'paragraph'],
    ])
    expect(blocks[1]?.paragraph?.text).toBe('')
    expect(blocks[1]?.children).toBeUndefined()
  })

  it('takes a block without index at its place in the list, and drops one without id', async () => {
    fake.routes.set(`GET ${BLOCKS}`, {
      body: {
        result: { data: [{ blockType: 'paragraph', id: 'a' }, { blockType: 'paragraph' }, { blockType: 'Undefined', id: 'c', index: 2 }] },
      },
    })
    const blocks = await fakeClient(fake.base).api.queryBlocks('doc1', 'u1')
    expect(blocks.map((b) => [b.id, b.index])).toEqual([
      ['a', 0],
      ['c', 2],
    ])
  })

  it('reads a document whose answer leaves the list out as empty', async () => {
    fake.routes.set(`GET ${BLOCKS}`, { body: { success: true } })
    await expect(fakeClient(fake.base).api.queryBlocks('doc1', 'u1')).resolves.toEqual([])
    fake.routes.set(`GET ${BLOCKS}`, { body: { success: true, result: {} } })
    await expect(fakeClient(fake.base).api.queryBlocks('doc1', 'u1')).resolves.toEqual([])
  })
})

describe('lists that leave an empty array out', () => {
  it('reads missing workspaces, nodes, recentList and docs as empty pages', async () => {
    fake.routes.set('GET /v2.0/wiki/workspaces', { body: {} })
    fake.routes.set('GET /v2.0/wiki/nodes', { body: { nextToken: null } })
    fake.routes.set('GET /v1.0/doc/workspaces/docs/recentEditDocs', { body: {} })
    fake.routes.set('GET /v1.0/doc/docs', { body: { hasMore: false } })
    const { api } = fakeClient(fake.base)
    const empty = { items: [], nextToken: null }
    await expect(api.listWorkspaces('u1', {})).resolves.toEqual(empty)
    await expect(api.listNodes('root', 'u1', {})).resolves.toEqual(empty)
    await expect(api.recentEditDocs('u1', {})).resolves.toEqual(empty)
    await expect(api.searchDocs('u1', 'plan', {})).resolves.toEqual(empty)
  })

  it('keeps nodes of a type it does not know, without their optional fields', async () => {
    fake.routes.set('GET /v2.0/wiki/nodes', { body: { nodes: [{ nodeId: 'n1', name: 'Board', type: 'SHORTCUT' }] } })
    const page = await fakeClient(fake.base).api.listNodes('root', 'u1', {})
    expect(page.items).toEqual([{ nodeId: 'n1', name: 'Board', type: 'SHORTCUT' }])
  })
})

describe('doc_1_0 recent and search entries', () => {
  it('take the docId from the /i/nodes/{dentryUuid} URL, not from nodeId', async () => {
    fake.routes.set('GET /v1.0/doc/workspaces/docs/recentEditDocs', {
      body: {
        recentList: [
          {
            nodeBO: { nodeId: 'legacy-1', nodeName: 'Weekly', url: 'https://alidocs.dingtalk.com/i/nodes/Dentry1' },
            workspaceBO: { workspaceId: 'w1', workspaceName: 'Team' },
          },
          { nodeBO: { nodeId: 'legacy-2', nodeName: 'Old link', url: 'https://alidocs.dingtalk.com/i/docs/abc' }, workspaceBO: {} },
          { nodeBO: { nodeId: 'legacy-3', nodeName: 'No link' }, workspaceBO: { workspaceId: 'w1' } },
        ],
      },
    })
    const page = await fakeClient(fake.base).api.recentEditDocs('u1', {})
    expect(page.items).toEqual([
      {
        docId: 'Dentry1',
        nodeId: 'legacy-1',
        name: 'Weekly',
        url: 'https://alidocs.dingtalk.com/i/nodes/Dentry1',
        workspaceId: 'w1',
        workspaceName: 'Team',
      },
      {
        docId: null,
        nodeId: 'legacy-2',
        name: 'Old link',
        url: 'https://alidocs.dingtalk.com/i/docs/abc',
        workspaceId: '',
        workspaceName: '',
      },
    ])
  })

  it('reads search entries the same way and stops paging when hasMore is false', async () => {
    fake.routes.set('GET /v1.0/doc/docs', {
      body: {
        docs: [
          {
            nodeBO: { nodeId: 'x', name: 'Plan', url: 'https://alidocs.dingtalk.io/i/nodes/Dentry2' },
            workspaceBO: { workspaceId: 'w', name: 'KB' },
          },
        ],
        hasMore: false,
        nextToken: 'ignored',
      },
    })
    const page = await fakeClient(fake.base).api.searchDocs('u1', 'plan', {})
    expect(page).toEqual({
      items: [
        {
          docId: 'Dentry2',
          nodeId: 'x',
          name: 'Plan',
          url: 'https://alidocs.dingtalk.io/i/nodes/Dentry2',
          workspaceId: 'w',
          workspaceName: 'KB',
        },
      ],
      nextToken: null,
    })
  })
})

describe('onAnswer', () => {
  it('shows each answer as DingTalk sent it, but never a token answer', async () => {
    fake.routes.set(`POST ${BLOCKS}`, { body: { success: true } })
    const seen: [string, unknown][] = []
    const { api } = fakeClient(fake.base, { onAnswer: (name, body) => seen.push([name, body]) })
    await api.insertBlock('doc1', 'u1', paragraph)
    expect(seen).toEqual([['POST /v1.0/doc/suites/documents/{docKey}/blocks', { success: true }]])
  })
})
