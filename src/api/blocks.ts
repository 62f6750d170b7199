import { BlocksResponseSchema, type BlocksResponse } from '@contract/api'
import { request } from './http'

/** `GET /api/documents/:docId/blocks`: the top-level blocks, to choose where items go. */
export function getBlocks(docId: string): Promise<BlocksResponse> {
  return request(BlocksResponseSchema, { method: 'GET', url: `/documents/${encodeURIComponent(docId)}/blocks` })
}
