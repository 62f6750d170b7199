/**
 * The interface the rest of the server uses to talk to DingTalk. `createDingTalkClient` in
 * ./client.ts implements it; routes and services depend only on this.
 */
import type { Readable } from 'node:stream'
import type {
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

export interface RecentDoc {
  nodeId: string
  name: string
  url: string
  workspaceId: string
  workspaceName: string
}

export interface DingTalkApi {
  /** Exchanges a single-use H5 authCode for the person (oapi topapi/v2/user/getuserinfo). */
  getUserByAuthCode(authCode: string): Promise<DingTalkUser>
  /** GetResourceUploadInfo: an upload slot for one resource in a document. */
  getResourceUploadInfo(docId: string, operatorId: string, req: ResourceUploadInfoRequest): Promise<ResourceUploadInfo>
  /** PUTs exactly `size` bytes from `body` to an upload URL, streaming, Content-Type = mediaType. */
  putResource(uploadUrl: string, body: Readable, opts: { mediaType: string; size: number; signal?: AbortSignal }): Promise<void>
  /** DocInsertBlocks. Returns the stored block (with `id` and `index`). */
  insertBlock(docKey: string, operatorId: string, req: InsertBlockRequest): Promise<StoredBlock>
  /** DocAppendParagraph: appends one inline element to a paragraph block. */
  appendParagraphElement(docKey: string, blockId: string, operatorId: string, element: InlineElement): Promise<void>
  /** DocBlocksQuery: the document's top-level blocks. */
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

export type { BlockElement, InlineElement, StoredBlock, WikiNode, WikiWorkspace }
