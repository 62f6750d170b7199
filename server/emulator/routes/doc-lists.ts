/**
 * doc_1_0 listings (docs/dingtalk.md#recent-and-search-lists, SDK shapes): GetRecentEditDocs and
 * SearchWorkspaceDocs. Here a doc_1_0 `nodeId` is the dentryUuid, as it is everywhere in the emulator.
 */
import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context'
import { ApiError } from '../errors'
import { listField } from '../profiles'
import { nodeUrl, workspaceUrl } from '../seed'
import { canRead, type Node } from '../state'
import { decodePageToken, paginate, queryInt, queryString, operatorOf, type Query } from './params'

export function registerDocListRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  const readable = (operatorId: string): Node[] => state.documents().filter((d) => canRead(state.roleOf(d.nodeId, operatorId)))
  const lastEdit = (doc: Node): number => Math.max(doc.modifiedTime, ...Object.values(doc.edits))

  // Documents the operator edited, most recent first.
  app.get('/v1.0/doc/workspaces/docs/recentEditDocs', async (request) => {
    const query = request.query as Query
    const operatorId = operatorOf(state, query)
    const maxResults = queryInt(query, 'maxResults', { min: 1, max: 50, fallback: 20 }) ?? 20
    const offset = decodePageToken(query)
    const edited = readable(operatorId)
      .filter((d) => d.edits[operatorId] !== undefined)
      .sort((a, b) => (b.edits[operatorId] ?? 0) - (a.edits[operatorId] ?? 0))
    const { page, nextToken } = paginate(edited, offset, maxResults)
    const recentList = page.map((doc) => {
      const ws = state.workspaces.get(doc.workspaceId)
      return {
        nodeBO: {
          nodeId: doc.nodeId,
          nodeName: doc.name,
          url: nodeUrl(doc.nodeId),
          docType: 'alidoc',
          createTime: doc.createTime,
          updateTime: doc.modifiedTime,
          lastEditTime: doc.edits[operatorId] ?? doc.modifiedTime,
          isDeleted: false,
        },
        workspaceBO: { workspaceId: doc.workspaceId, workspaceName: ws?.name ?? '', url: workspaceUrl(doc.workspaceId) },
      }
    })
    return { ...listField(ctx.config.profile, 'recentList', recentList), ...(nextToken ? { nextToken } : {}) }
  })

  // Search by name, case-insensitive, among documents the operator can read.
  app.get('/v1.0/doc/docs', async (request) => {
    const query = request.query as Query
    const operatorId = operatorOf(state, query)
    const keyword = queryString(query, 'keyword')?.trim()
    if (!keyword) throw new ApiError(400, 'paramError', 'keyword is required')
    const maxResults = queryInt(query, 'maxResults', { min: 1, max: 50, fallback: 20 }) ?? 20
    const workspaceId = queryString(query, 'workspaceId')
    if (workspaceId !== undefined && !state.workspaces.has(workspaceId)) {
      throw new ApiError(404, 'invalidRequest.resource.notFound', `workspace ${workspaceId} does not exist`)
    }
    const offset = decodePageToken(query)
    const needle = keyword.toLocaleLowerCase()
    const hits = readable(operatorId)
      .filter((d) => (workspaceId === undefined || d.workspaceId === workspaceId) && d.name.toLocaleLowerCase().includes(needle))
      .sort((a, b) => lastEdit(b) - lastEdit(a) || a.name.localeCompare(b.name))
    const { page, nextToken } = paginate(hits, offset, maxResults)
    const docs = page.map((doc) => ({
      nodeBO: {
        nodeId: doc.nodeId,
        name: doc.name,
        originName: doc.name,
        url: nodeUrl(doc.nodeId),
        docType: 'alidoc',
        lastEditTime: lastEdit(doc),
      },
      workspaceBO: { workspaceId: doc.workspaceId, name: state.workspaces.get(doc.workspaceId)?.name ?? '' },
    }))
    return {
      ...listField(ctx.config.profile, 'docs', docs),
      hasMore: nextToken !== undefined,
      ...(nextToken ? { nextToken } : {}),
    }
  })
}
