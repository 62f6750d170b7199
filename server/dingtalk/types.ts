/**
 * The interface the rest of the server uses to talk to DingTalk. `createDingTalkClient` in
 * ./client.ts implements it; routes and services depend only on this.
 */
import type { Readable } from 'node:stream'
import type {
  AppendedElement,
  BlockElement,
  InlineElement,
  InsertBlockRequest,
  ResourceUploadInfo,
  ResourceUploadInfoRequest,
  StoredBlock,
  WikiNode,
  WikiWorkspace,
} from './schemas'

export interface DingTalkUser {
  userId: string
  unionId: string
  name: string
}

export interface Page<T> {
  items: T[]
  nextToken: string | null
}

/** One entry of the doc_1_0 recent or search list (docs/dingtalk.md#recent-and-search-lists). */
export interface RecentDoc {
  /**
   * The dentryUuid the document APIs take, read from the node URL `/i/nodes/{dentryUuid}`; null
   * when the URL has another shape (resolve `url` with getNodeByUrl, or leave the entry out).
   */
  docId: string | null
  /** doc_1_0's own node id; NOT confirmed to equal the dentryUuid, so never used as a docId. */
  nodeId: string
  name: string
  url: string
  workspaceId: string
  workspaceName: string
}

export interface DingTalkApi {
  /** Exchanges a single-use H5 authCode for the person (oapi topapi/v2/user/getuserinfo). */
  getUserByAuthCode(authCode: string): Promise<DingTalkUser>
  /** The app's jsapi ticket for signing dd.config (oapi get_jsapi_ticket); callers cache it. */
  getJsapiTicket(): Promise<{ ticket: string; expiresIn: number }>
  /** GetResourceUploadInfo: an upload slot for one resource in a document. */
  getResourceUploadInfo(docId: string, operatorId: string, req: ResourceUploadInfoRequest): Promise<ResourceUploadInfo>
  /** PUTs exactly `size` bytes from `body` to an upload URL, streaming, Content-Type = mediaType. */
  putResource(uploadUrl: string, body: Readable, opts: { mediaType: string; size: number; signal?: AbortSignal }): Promise<void>
  /**
   * DocInsertBlocks (docs/dingtalk.md#docinsertblocks). Resolves to the stored block (`id`,
   * `index`; `children` only if DingTalk echoes them), or to `null` when DingTalk confirmed the
   * write without naming the block (a bare `{"success":true}`): the block IS in the document, find
   * it by reading (queryBlocks). Rejects with DingTalkError (`outcomeUnknown` when a failed call
   * may still have inserted it); never repeated by the client after it may have been applied.
   */
  insertBlock(docKey: string, operatorId: string, req: InsertBlockRequest): Promise<StoredBlock | null>
  /**
   * DocAppendParagraph (docs/dingtalk.md#docappendparagraph): appends one inline element to a
   * paragraph block. Resolves to the new element (`elementId`, …) or to `null` for a bare
   * `{"success":true}`; either way the element was appended.
   */
  appendParagraphElement(docKey: string, blockId: string, operatorId: string, element: InlineElement): Promise<AppendedElement | null>
  /**
   * DocBlocksQuery (docs/dingtalk.md#docblocksquery): the document's root blocks in order. Any
   * `blockType` is kept (`"Undefined"` for types the API does not show); inline `children` may be
   * missing; no list at all reads as an empty document.
   */
  queryBlocks(docKey: string, operatorId: string): Promise<StoredBlock[]>
  /** wiki v2 ListWorkspaces (withPermissionRole). */
  listWorkspaces(operatorId: string, opts: { nextToken?: string; maxResults?: number }): Promise<Page<WikiWorkspace>>
  /** wiki v2 GetMineWorkspace. */
  getMineWorkspace(operatorId: string): Promise<WikiWorkspace>
  /** wiki v2 ListNodes (withPermissionRole). */
  listNodes(parentNodeId: string, operatorId: string, opts: { nextToken?: string; maxResults?: number }): Promise<Page<WikiNode>>
  /** wiki v2 GetNode (withPermissionRole). */
  getNode(nodeId: string, operatorId: string): Promise<WikiNode>
  /** wiki v2 GetNodeByUrl (withPermissionRole). */
  getNodeByUrl(url: string, operatorId: string): Promise<WikiNode>
  /** doc_1_0 GetRecentEditDocs. */
  recentEditDocs(operatorId: string, opts: { nextToken?: string; maxResults?: number }): Promise<Page<RecentDoc>>
  /** doc_1_0 SearchWorkspaceDocs. */
  searchDocs(operatorId: string, keyword: string, opts: { nextToken?: string; maxResults?: number }): Promise<Page<RecentDoc>>
}

export type { AppendedElement, BlockElement, InlineElement, StoredBlock, WikiNode, WikiWorkspace }
