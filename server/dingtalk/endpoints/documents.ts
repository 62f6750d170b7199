/**
 * Document endpoints: a resource's upload slot and bytes, and the block APIs
 * (docs/dingtalk.md#getresourceuploadinfo, #upload-url, #docblocksquery, #docinsertblocks,
 * #docappendparagraph).
 */
import {
  AppendElementResponseSchema,
  BlocksQueryResponseSchema,
  InsertBlockResponseSchema,
  ResourceUploadInfoResponseSchema,
} from '../schemas'
import type { Transport } from '../transport'
import type { DingTalkApi } from '../types'

type DocumentEndpoints = Pick<
  DingTalkApi,
  'getResourceUploadInfo' | 'putResource' | 'insertBlock' | 'appendParagraphElement' | 'queryBlocks'
>

export function documentEndpoints(transport: Transport): DocumentEndpoints {
  return {
    /**
     * GetResourceUploadInfo: an upload slot for one resource in a document. Retried freely: a
     * repeat only creates an unused slot.
     * https://open.dingtalk.com/document/development/api-getresourceuploadinfo
     */
    async getResourceUploadInfo(docId, operatorId, req) {
      const res = await transport.call({
        method: 'POST',
        host: 'api',
        template: '/v1.0/doc/docs/resources/{docId}/uploadInfos/query',
        params: { docId },
        query: { operatorId },
        body: { size: req.size, mediaType: req.mediaType, resourceName: req.resourceName },
        schema: ResourceUploadInfoResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      return res.result
    },

    /**
     * Streams exactly `size` bytes to the upload URL: `PUT`, `Content-Type` = mediaType,
     * `Content-Length` = size, no chunked encoding, nothing buffered. Not retried here (the
     * stream is consumed); an expired URL fails with `uploadUrlExpired` so the caller can ask
     * for a new slot. Takes ownership of `body`: read to the end on success, destroyed on failure.
     * https://open.dingtalk.com/document/development/upload-attachment
     */
    putResource(uploadUrl, body, opts) {
      return transport.upload(uploadUrl, body, opts)
    },

    /**
     * DocInsertBlocks: inserts one block. Resolves to the stored block (with `id` and `index`,
     * `children` only if echoed), or `null` when DingTalk confirmed the write without naming the
     * block (docs/dingtalk.md#docinsertblocks). Not repeated after a failure that may have inserted
     * it (see DingTalkError.outcomeUnknown).
     * https://open.dingtalk.com/document/development/api-docinsertblocks
     */
    async insertBlock(docKey, operatorId, req) {
      const res = await transport.call({
        method: 'POST',
        host: 'api',
        template: '/v1.0/doc/suites/documents/{docKey}/blocks',
        params: { docKey },
        query: { operatorId },
        body: req,
        schema: InsertBlockResponseSchema,
        auth: 'header',
        idempotent: false,
      })
      return res.result?.data ?? null
    },

    /**
     * DocAppendParagraph: appends one inline element (image, link, sticker) to a paragraph.
     * Resolves to the new element, or `null` for a bare `{"success":true}`.
     * https://open.dingtalk.com/document/development/api-docappendparagraph
     */
    async appendParagraphElement(docKey, blockId, operatorId, element) {
      const res = await transport.call({
        method: 'POST',
        host: 'api',
        template: '/v1.0/doc/suites/documents/{docKey}/blocks/{blockId}/paragraph/appendElement',
        params: { docKey, blockId },
        query: { operatorId },
        body: element,
        schema: AppendElementResponseSchema,
        auth: 'header',
        idempotent: false,
      })
      return res.result?.data ?? null
    },

    /**
     * DocBlocksQuery: the document's root blocks in order; any `blockType` kept, children only if
     * shown, no list read as an empty document.
     * https://open.dingtalk.com/document/development/api-docblocksquery
     */
    async queryBlocks(docKey, operatorId) {
      const res = await transport.call({
        method: 'GET',
        host: 'api',
        template: '/v1.0/doc/suites/documents/{docKey}/blocks',
        params: { docKey },
        query: { operatorId },
        schema: BlocksQueryResponseSchema,
        auth: 'header',
        idempotent: true,
      })
      // Root blocks come in document order, so a block without `index` is where the list puts it.
      return (res.result?.data ?? []).map((block, position) => ({ ...block, index: block.index ?? position }))
    },
  }
}
