/**
 * Wiki v2 browsing (docs/dingtalk.md#wiki): bare response objects, no `success` wrapper.
 * Only what the operator may see is listed.
 */
import type { FastifyInstance } from 'fastify'
import { NodeByUrlRequestSchema } from '../../dingtalk/schemas'
import type { EmulatorContext } from '../context'
import { ApiError } from '../errors'
import { blockText } from '../html-view'
import { listField } from '../profiles'
import { nodeUrl, workspaceUrl } from '../seed'
import { canRead, type Node, type Workspace } from '../state'
import { decodePageToken, paginate, parseBody, queryBool, queryInt, queryString, operatorOf, wikiTime, type Query } from './params'

const ORDER_BY = ['VIEW_TIME_DESC', 'CREATE_TIME_DESC', 'MODIFIED_TIME_DESC'] as const

/** The alidocs link forms GetNodeByUrl understands: `…/i/nodes/{dentryUuid}` (docs/dingtalk.md#document-links). */
const NODE_URL =
  /^https?:\/\/(?:alidocs\.dingtalk\.(?:com|io)|127\.0\.0\.1(?::\d+)?|localhost(?::\d+)?)\/i\/nodes\/([A-Za-z0-9]+)\/?(?:[?#].*)?$/

export function registerWikiRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  const workspaceView = (ws: Workspace, operatorId: string, withRole: boolean) => {
    const root = state.nodes.get(ws.rootNodeId)
    return {
      workspaceId: ws.workspaceId,
      corpId: ctx.config.corpId,
      rootNodeId: ws.rootNodeId,
      name: ws.name,
      type: ws.type,
      description: ws.description,
      url: workspaceUrl(ws.workspaceId),
      icon: { type: 'EMOJI', value: ws.iconEmoji },
      creatorId: ws.creatorUserId,
      modifierId: root?.modifierUserId ?? ws.creatorUserId,
      createTime: wikiTime(ws.createTime),
      modifiedTime: wikiTime(workspaceModified(ws)),
      ...(withRole ? { permissionRole: state.workspaceRole(ws.workspaceId, operatorId) } : {}),
    }
  }

  const workspaceModified = (ws: Workspace): number => {
    let latest = ws.createTime
    for (const node of state.nodes.values())
      if (node.workspaceId === ws.workspaceId && node.modifiedTime > latest) latest = node.modifiedTime
    return latest
  }

  const nodeView = (node: Node, operatorId: string, opts: { withRole: boolean; withStats: boolean }) => ({
    nodeId: node.nodeId,
    workspaceId: node.workspaceId,
    name: node.name,
    type: node.type,
    ...(node.category ? { category: node.category } : {}),
    ...(node.extension ? { extension: node.extension } : {}),
    ...(node.size !== null ? { size: node.size } : {}),
    url: nodeUrl(node.nodeId),
    creatorId: node.creatorUserId,
    modifierId: node.modifierUserId,
    createTime: wikiTime(node.createTime),
    modifiedTime: wikiTime(node.modifiedTime),
    hasChildren: state.children(node.nodeId).some((c) => canRead(state.roleOf(c.nodeId, operatorId))),
    ...(opts.withStats ? { statisticalInfo: { wordCount: wordCount(node) } } : {}),
    ...(opts.withRole ? { permissionRole: state.roleOf(node.nodeId, operatorId) } : {}),
  })

  const visibleNode = (nodeId: string, operatorId: string, missingCode: string): Node => {
    const node = state.nodes.get(nodeId)
    if (!node) throw new ApiError(404, missingCode, `node ${nodeId} does not exist`)
    if (!canRead(state.roleOf(nodeId, operatorId)))
      throw new ApiError(403, 'permissionDenied', `operator ${operatorId} cannot see node ${nodeId}`)
    return node
  }

  app.get('/v2.0/wiki/workspaces', async (request) => {
    const query = request.query as Query
    const operatorId = operatorOf(state, query)
    const maxResults = queryInt(query, 'maxResults', { min: 1, max: 30, fallback: 30 }) ?? 30
    const withRole = queryBool(query, 'withPermissionRole')
    const orderBy = queryString(query, 'orderBy')
    if (orderBy !== undefined && !(ORDER_BY as readonly string[]).includes(orderBy)) {
      throw new ApiError(400, 'paramError', `orderBy must be one of ${ORDER_BY.join(', ')}`)
    }
    const offset = decodePageToken(query)
    let list = [...state.workspaces.values()].filter((ws) => ws.type === 'TEAM' && canRead(state.workspaceRole(ws.workspaceId, operatorId)))
    if (orderBy === 'CREATE_TIME_DESC') list = list.sort((a, b) => b.createTime - a.createTime)
    // Views are not tracked; the last change stands in for the last view.
    if (orderBy === 'MODIFIED_TIME_DESC' || orderBy === 'VIEW_TIME_DESC')
      list = list.sort((a, b) => workspaceModified(b) - workspaceModified(a))
    const { page, nextToken } = paginate(list, offset, maxResults)
    return {
      ...listField(
        ctx.config.profile,
        'workspaces',
        page.map((ws) => workspaceView(ws, operatorId, withRole)),
      ),
      ...(nextToken ? { nextToken } : {}),
    }
  })

  app.get('/v2.0/wiki/mineWorkspaces', async (request) => {
    const operatorId = operatorOf(state, request.query as Query)
    const mine = [...state.workspaces.values()].find((ws) => ws.type === 'PERSONAL' && ws.roles[operatorId] === 'OWNER')
    if (!mine) throw new ApiError(404, 'workspaceNotExist', `operator ${operatorId} has no personal workspace`)
    return { workspace: workspaceView(mine, operatorId, true) }
  })

  app.get('/v2.0/wiki/nodes', async (request) => {
    const query = request.query as Query
    const operatorId = operatorOf(state, query)
    const parentNodeId = queryString(query, 'parentNodeId')
    if (!parentNodeId) throw new ApiError(400, 'paramError', 'parentNodeId is required')
    const maxResults = queryInt(query, 'maxResults', { min: 1, max: 50, fallback: 50 }) ?? 50
    const withRole = queryBool(query, 'withPermissionRole')
    const offset = decodePageToken(query)
    visibleNode(parentNodeId, operatorId, 'parentNodeNotExist')
    const visible = state.children(parentNodeId).filter((n) => canRead(state.roleOf(n.nodeId, operatorId)))
    const { page, nextToken } = paginate(visible, offset, maxResults)
    return {
      ...listField(
        ctx.config.profile,
        'nodes',
        page.map((n) => nodeView(n, operatorId, { withRole, withStats: false })),
      ),
      ...(nextToken ? { nextToken } : {}),
    }
  })

  app.get<{ Params: { nodeId: string } }>('/v2.0/wiki/nodes/:nodeId', async (request) => {
    const query = request.query as Query
    const operatorId = operatorOf(state, query)
    const withRole = queryBool(query, 'withPermissionRole')
    const withStats = queryBool(query, 'withStatisticalInfo')
    const node = visibleNode(request.params.nodeId, operatorId, 'nodeNotExist')
    return { node: nodeView(node, operatorId, { withRole, withStats }) }
  })

  app.post('/v2.0/wiki/nodes/queryByUrl', async (request) => {
    const operatorId = operatorOf(state, request.query as Query)
    const body = parseBody(NodeByUrlRequestSchema, request.body)
    const match = NODE_URL.exec(body.url.trim())
    if (!match?.[1]) throw new ApiError(400, 'paramError', `url is not a DingTalk document link: ${body.url}`)
    const node = visibleNode(match[1], operatorId, 'nodeNotExist')
    return {
      node: nodeView(node, operatorId, {
        withRole: body.option?.withPermissionRole ?? false,
        withStats: body.option?.withStatisticalInfo ?? false,
      }),
    }
  })
}

/** Characters of text in a document (CJK text has no spaces, so characters are what DingTalk counts). */
function wordCount(node: Node): number {
  return node.blocks.reduce((sum, block) => sum + blockText(block).replace(/\s+/g, '').length, 0)
}
