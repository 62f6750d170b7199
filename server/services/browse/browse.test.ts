/**
 * Browsing in front of answers shaped only as DingTalk documents them: every root block listed
 * (unknown types as "other"), and recent/search entries whose docId comes from the node URL.
 * DingTalk is a stub here; the same flows against the emulator are in server/routes/documents.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { DingTalkError } from '../../dingtalk/errors'
import type { DingTalkApi, RecentDoc, StoredBlock, WikiNode } from '../../dingtalk/types'
import { parseEnv } from '../../env'
import { listBlocks, listDocuments } from './browse'

/** A DingTalkApi that answers with `impl` and fails the test on any other call. */
function stubDingTalk(impl: Partial<DingTalkApi>): DingTalkApi {
  return new Proxy(impl, {
    get(target, name: string) {
      const method = target[name as keyof DingTalkApi]
      if (!method) throw new Error(`unexpected DingTalk call ${name}`)
      return method
    },
  }) as DingTalkApi
}

const config = parseEnv({}).config
const ctx = (dingtalk: Partial<DingTalkApi>) => ({ config, dingtalk: stubDingTalk(dingtalk), operatorId: 'union-1' })

describe('listBlocks', () => {
  it('lists every root block: Undefined and unknown types as other, paragraphs by their text', async () => {
    const blocks: StoredBlock[] = [
      { id: 'h', index: 0, blockType: 'heading', heading: { level: 1, text: 'Weekly' } },
      { id: 'p', index: 1, blockType: 'paragraph', paragraph: { text: 'Progress' } },
      { id: 'img', index: 2, blockType: 'paragraph', paragraph: {} },
      { id: 'empty', index: 3, blockType: 'paragraph', paragraph: { text: '' } },
      { id: 'att', index: 4, blockType: 'Undefined' },
      { id: 'mind', index: 5, blockType: 'mindmap' },
      { id: 'file', index: 6, blockType: 'attachment', attachment: { resourceId: 'r', type: 'application/pdf', name: 'plan.pdf' } },
    ]
    const items = await listBlocks(ctx({ queryBlocks: async () => blocks }), 'doc1')
    expect(items).toEqual([
      { blockId: 'h', index: 0, type: 'heading', text: 'Weekly' },
      { blockId: 'p', index: 1, type: 'paragraph', text: 'Progress' },
      { blockId: 'img', index: 2, type: 'paragraph', text: '' },
      { blockId: 'empty', index: 3, type: 'paragraph', text: '' },
      { blockId: 'att', index: 4, type: 'other', text: '' },
      { blockId: 'mind', index: 5, type: 'other', text: '' },
      { blockId: 'file', index: 6, type: 'attachment', text: '[plan.pdf]' },
    ])
  })

  it('still shows inline text and pictures when DingTalk does echo children', async () => {
    const blocks: StoredBlock[] = [
      {
        id: 'p',
        index: 0,
        blockType: 'paragraph',
        paragraph: {},
        children: [{ text: 'Site ' }, { elementType: 'image', properties: { src: '/r/1' } }],
      },
    ]
    const items = await listBlocks(ctx({ queryBlocks: async () => blocks }), 'doc1')
    expect(items).toEqual([{ blockId: 'p', index: 0, type: 'paragraph', text: 'Site [image]' }])
  })
})

describe('listDocuments', () => {
  const entry = (over: Partial<RecentDoc>): RecentDoc => ({
    docId: null,
    nodeId: 'legacy',
    name: 'Doc',
    url: '',
    workspaceId: 'w',
    workspaceName: 'Team',
    ...over,
  })
  const node = (nodeId: string): WikiNode => ({ nodeId, name: 'n', type: 'FILE', category: 'ALIDOC' })

  it('uses the docId from the node URL, resolves other links with GetNodeByUrl, and drops what cannot be resolved', async () => {
    const resolved: string[] = []
    const items = [
      entry({ docId: 'FromUrl', nodeId: 'not-this', name: 'A', url: 'https://alidocs.dingtalk.com/i/nodes/FromUrl' }),
      entry({ name: 'B', url: 'https://alidocs.dingtalk.com/i/docs/key-b' }),
      entry({ name: 'C', url: 'https://alidocs.dingtalk.com/i/docs/gone' }),
      entry({ name: 'D', url: 'http://insecure.example/doc' }),
    ]
    const result = await listDocuments(
      ctx({
        recentEditDocs: async () => ({ items, nextToken: null }),
        getNodeByUrl: async (url) => {
          resolved.push(url)
          if (url.endsWith('/gone'))
            throw new DingTalkError({ status: 404, dingtalkCode: 'docNotExist', api: 'POST /v2.0/wiki/nodes/queryByUrl' })
          return node('Resolved-B')
        },
      }),
      '',
      undefined,
    )
    expect(result.items).toEqual([
      { docId: 'FromUrl', name: 'A', url: config.documentUrl('FromUrl'), workspaceName: 'Team' },
      { docId: 'Resolved-B', name: 'B', url: config.documentUrl('Resolved-B'), workspaceName: 'Team' },
    ])
    expect(resolved).toEqual(['https://alidocs.dingtalk.com/i/docs/key-b', 'https://alidocs.dingtalk.com/i/docs/gone'])
  })

  it('fails the listing when DingTalk is unavailable while resolving (a retry may succeed)', async () => {
    const err = new DingTalkError({ status: 503, dingtalkCode: 'operationTimeout', api: 'POST /v2.0/wiki/nodes/queryByUrl' })
    await expect(
      listDocuments(
        ctx({
          searchDocs: async () => ({ items: [entry({ url: 'https://alidocs.dingtalk.com/i/docs/x' })], nextToken: null }),
          getNodeByUrl: async () => {
            throw err
          },
        }),
        'plan',
        undefined,
      ),
    ).rejects.toBe(err)
  })
})
