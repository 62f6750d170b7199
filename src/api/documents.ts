import {
  DocumentsResponseSchema,
  NodesResponseSchema,
  ResolveResponseSchema,
  WorkspacesResponseSchema,
  type DocumentsResponse,
  type NodesResponse,
  type ResolveResponse,
  type WorkspacesResponse,
} from '@contract/api'
import { request } from './http'

/** Drops an absent cursor so the query string stays clean. */
function withCursor(params: Record<string, string>, cursor: string | null | undefined) {
  return cursor ? { ...params, cursor } : params
}

/** `GET /api/workspaces`: knowledge bases the person can see, one page. */
export function listWorkspaces(cursor?: string | null): Promise<WorkspacesResponse> {
  return request(WorkspacesResponseSchema, { method: 'GET', url: '/workspaces', params: withCursor({}, cursor) })
}

/** `GET /api/nodes?parentId=`: children of a workspace root or folder, one page, with `editable`. */
export function listNodes(parentId: string, cursor?: string | null): Promise<NodesResponse> {
  return request(NodesResponseSchema, { method: 'GET', url: '/nodes', params: withCursor({ parentId }, cursor) })
}

/** `GET /api/documents?q=`: search by name; an empty query lists recently edited documents. */
export function searchDocuments(q: string, cursor?: string | null): Promise<DocumentsResponse> {
  const params = withCursor(q ? { q } : {}, cursor)
  return request(DocumentsResponseSchema, { method: 'GET', url: '/documents', params })
}

/** `POST /api/documents/resolve {url}`: a pasted link (or a known document's url) → document with `editable`. */
export function resolveDocument(url: string): Promise<ResolveResponse> {
  return request(ResolveResponseSchema, { method: 'POST', url: '/documents/resolve', data: { url } })
}
