/**
 * doc_1_0 recent and search lists (docs/dingtalk.md#recent-and-search-lists). DingTalk has no
 * current page for them; the shapes are the `@alicloud/dingtalk` doc_1_0 models
 * (`getRecentEditDocsWithOptions`, `searchWorkspaceDocsWithOptions`).
 */
import { docIdFromNodeUrl } from '../node-url'
import { RecentEditDocsResponseSchema, SearchDocsResponseSchema, type DocListEntry } from '../schemas'
import type { Transport } from '../transport'
import type { DingTalkApi, RecentDoc } from '../types'
import { clampPageSize, page } from './paging'

/** `maxResults` is required and its maximum undocumented. */
const DOC_LIST_DEFAULT = 20

export function docListEndpoints(transport: Transport): Pick<DingTalkApi, 'recentEditDocs' | 'searchDocs'> {
  return {
    /** doc_1_0 GetRecentEditDocs: documents the operator edited lately. */
    async recentEditDocs(operatorId, opts) {
      const res = await transport.call({
        method: 'GET',
        host: 'api',
        template: '/v1.0/doc/workspaces/docs/recentEditDocs',
        query: { operatorId, maxResults: clampPageSize(opts.maxResults, DOC_LIST_DEFAULT), nextToken: opts.nextToken },
        schema: RecentEditDocsResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return page(res.recentList.flatMap(recentDoc), res.nextToken)
    },

    /** doc_1_0 SearchWorkspaceDocs: the operator's documents matching `keyword`. */
    async searchDocs(operatorId, keyword, opts) {
      const res = await transport.call({
        method: 'GET',
        host: 'api',
        template: '/v1.0/doc/docs',
        query: { operatorId, keyword, maxResults: clampPageSize(opts.maxResults, DOC_LIST_DEFAULT), nextToken: opts.nextToken },
        schema: SearchDocsResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return page(res.docs.flatMap(recentDoc), res.hasMore === false ? null : res.nextToken)
    },
  }
}

/**
 * One list entry as a RecentDoc. Its `nodeId` is not confirmed to be the dentryUuid the document
 * APIs need; the `/i/nodes/{dentryUuid}` address is, so the docId comes from `url` (null for another
 * shape: the caller resolves it). An entry without an address is of no use and is dropped.
 */
function recentDoc({ nodeBO, workspaceBO }: DocListEntry): RecentDoc[] {
  if (!nodeBO.url) return []
  return [
    {
      docId: docIdFromNodeUrl(nodeBO.url),
      nodeId: nodeBO.nodeId ?? '',
      name: nodeBO.nodeName ?? nodeBO.name ?? '',
      url: nodeBO.url,
      workspaceId: workspaceBO.workspaceId ?? '',
      workspaceName: workspaceBO.workspaceName ?? workspaceBO.name ?? '',
    },
  ]
}
