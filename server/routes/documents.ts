import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import {
  BlocksResponseSchema,
  CursorQuerySchema,
  DocParamsSchema,
  DocumentsQuerySchema,
  DocumentsResponseSchema,
  NodesQuerySchema,
  NodesResponseSchema,
  ResolveRequestSchema,
  ResolveResponseSchema,
  WorkspacesResponseSchema,
} from '@contract/api'
import { requireUser } from '../auth/guard'
import { listBlocks, listDocuments, listNodes, listWorkspaces, resolveDocument } from '../services/browse/browse'
import type { RouteDeps } from './deps'

/** Choosing a document (docs/api.md): workspaces, nodes, recent/search, resolve, blocks. */
export const documentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { config, dingtalk }) => {
  const ctx = (request: Parameters<typeof requireUser>[0]) => ({ config, dingtalk, operatorId: requireUser(request).unionId })

  app.get('/api/workspaces', { schema: { querystring: CursorQuerySchema, response: { 200: WorkspacesResponseSchema } } }, async (request) =>
    listWorkspaces(ctx(request), request.query.cursor),
  )

  app.get('/api/nodes', { schema: { querystring: NodesQuerySchema, response: { 200: NodesResponseSchema } } }, async (request) =>
    listNodes(ctx(request), request.query.parentId, request.query.cursor),
  )

  app.get(
    '/api/documents',
    { schema: { querystring: DocumentsQuerySchema, response: { 200: DocumentsResponseSchema } } },
    async (request) => listDocuments(ctx(request), request.query.q, request.query.cursor),
  )

  app.post(
    '/api/documents/resolve',
    { schema: { body: ResolveRequestSchema, response: { 200: ResolveResponseSchema } } },
    async (request) => resolveDocument(ctx(request), request.body.url),
  )

  app.get(
    '/api/documents/:docId/blocks',
    { schema: { params: DocParamsSchema, response: { 200: BlocksResponseSchema } } },
    async (request) => ({ items: await listBlocks(ctx(request), request.params.docId) }),
  )
}
