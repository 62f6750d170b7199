/** Knowledge-base (wiki v2) endpoints, each with the operator's role (docs/dingtalk.md#wiki). */
import { ListNodesResponseSchema, ListWorkspacesResponseSchema, MineWorkspaceResponseSchema, NodeResponseSchema } from '../schemas'
import type { Transport } from '../transport'
import type { DingTalkApi } from '../types'
import { clampPageSize, page } from './paging'

/** DingTalk's page-size maxima for ListWorkspaces and ListNodes. */
const WIKI_WORKSPACES_MAX = 30
const WIKI_NODES_MAX = 50

type WikiEndpoints = Pick<DingTalkApi, 'listWorkspaces' | 'getMineWorkspace' | 'listNodes' | 'getNode' | 'getNodeByUrl'>

export function wikiEndpoints(transport: Transport): WikiEndpoints {
  return {
    /**
     * wiki v2 ListWorkspaces, most recently viewed first; a missing list is an empty page.
     * https://open.dingtalk.com/document/development/get-knowledge-base-list
     */
    async listWorkspaces(operatorId, opts) {
      const res = await transport.call({
        method: 'GET',
        host: 'api',
        template: '/v2.0/wiki/workspaces',
        query: {
          operatorId,
          nextToken: opts.nextToken,
          maxResults: clampPageSize(opts.maxResults, WIKI_WORKSPACES_MAX),
          orderBy: 'VIEW_TIME_DESC',
          withPermissionRole: true,
        },
        schema: ListWorkspacesResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return page(res.workspaces, res.nextToken)
    },

    /**
     * wiki v2 GetMineWorkspace: the operator's personal "my documents" space.
     * https://open.dingtalk.com/document/development/get-my-documents
     */
    async getMineWorkspace(operatorId) {
      const res = await transport.call({
        method: 'GET',
        host: 'api',
        template: '/v2.0/wiki/mineWorkspaces',
        query: { operatorId },
        schema: MineWorkspaceResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.workspace
    },

    /**
     * wiki v2 ListNodes: children of a folder or workspace root; a missing list is an empty page.
     * https://open.dingtalk.com/document/development/get-node-list
     */
    async listNodes(parentNodeId, operatorId, opts) {
      const res = await transport.call({
        method: 'GET',
        host: 'api',
        template: '/v2.0/wiki/nodes',
        query: {
          parentNodeId,
          operatorId,
          nextToken: opts.nextToken,
          maxResults: clampPageSize(opts.maxResults, WIKI_NODES_MAX),
          withPermissionRole: true,
        },
        schema: ListNodesResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return page(res.nodes, res.nextToken)
    },

    /**
     * wiki v2 GetNode.
     * https://open.dingtalk.com/document/development/get-knowledge-base-acquisition-node
     */
    async getNode(nodeId, operatorId) {
      const res = await transport.call({
        method: 'GET',
        host: 'api',
        template: '/v2.0/wiki/nodes/{nodeId}',
        params: { nodeId },
        query: { operatorId, withPermissionRole: true },
        schema: NodeResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.node
    },

    /**
     * wiki v2 GetNodeByUrl: resolves a pasted (or listed) alidocs link (docs/dingtalk.md#document-links).
     * https://open.dingtalk.com/document/development/get-node-by-link
     */
    async getNodeByUrl(url, operatorId) {
      const res = await transport.call({
        method: 'POST',
        host: 'api',
        template: '/v2.0/wiki/nodes/queryByUrl',
        query: { operatorId },
        body: { url, option: { withPermissionRole: true } },
        schema: NodeResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.node
    },
  }
}
