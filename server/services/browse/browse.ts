/**
 * Choosing a document: knowledge bases → folders → documents, recent and search, resolving a
 * pasted link, and a document's top-level blocks for choosing a position. Every call runs as the
 * signed-in person (`operatorId` = session unionId). DingTalk APIs: docs/dingtalk.md#wiki,
 * #recent-and-search-lists (recent/search), #docblocksquery (blocks).
 */
import type { BlockSummary, DocNode, DocumentsResponse, NodesResponse, ResolveResponse, WorkspacesResponse } from '@contract/api'
import type { AppConfig } from '../../config'
import { DingTalkError } from '../../dingtalk/errors'
import { docIdFromNodeUrl } from '../../dingtalk/node-url'
import { BLOCK_TYPES } from '../../dingtalk/schemas'
import type { DingTalkApi, RecentDoc, StoredBlock, WikiNode, WikiWorkspace } from '../../dingtalk/types'
import { AppError } from '../../errors'
import { decodeCursor, encodeCursor } from './cursor'

/** DingTalk's page-size maxima (docs/dingtalk.md#wiki: workspaces 30, nodes 50). */
const WORKSPACE_PAGE = 30
const NODE_PAGE = 50
const DOCUMENT_PAGE = 20
/** Enough block text to recognise a position in a phone-sized list. */
const BLOCK_TEXT_MAX = 120

/** Roles that may insert into a document (GetResourceUploadInfo and inserting need one of them). */
export const EDITOR_ROLES: ReadonlySet<string> = new Set(['OWNER', 'MANAGER', 'EDITOR'])

interface Ctx {
  config: AppConfig
  dingtalk: DingTalkApi
  /** The session's unionId. */
  operatorId: string
}

/** Knowledge bases the person can see; "my documents" first on the first page. */
export async function listWorkspaces(ctx: Ctx, cursor: string | undefined): Promise<WorkspacesResponse> {
  const nextToken = decodeCursor('workspaces', '', cursor)
  const [mine, page] = await Promise.all([
    nextToken === undefined ? ctx.dingtalk.getMineWorkspace(ctx.operatorId) : Promise.resolve(null),
    ctx.dingtalk.listWorkspaces(ctx.operatorId, { nextToken, maxResults: WORKSPACE_PAGE }),
  ])
  const workspaces = mine ? [mine, ...page.items.filter((w) => w.workspaceId !== mine.workspaceId)] : page.items
  return {
    items: workspaces.map(toWorkspace),
    nextCursor: encodeCursor('workspaces', '', page.nextToken),
  }
}

function toWorkspace(w: WikiWorkspace) {
  return { workspaceId: w.workspaceId, name: w.name, rootNodeId: w.rootNodeId, type: w.type ?? 'TEAM' }
}

/**
 * The children of a folder (or a knowledge base's root node).
 * @throws AppError 404 not_found when the folder does not exist (docs/api.md `GET /api/nodes`).
 */
export async function listNodes(ctx: Ctx, parentId: string, cursor: string | undefined): Promise<NodesResponse> {
  const nextToken = decodeCursor('nodes', parentId, cursor)
  try {
    const page = await ctx.dingtalk.listNodes(parentId, ctx.operatorId, { nextToken, maxResults: NODE_PAGE })
    return { items: page.items.map((n) => toDocNode(ctx.config, n)), nextCursor: encodeCursor('nodes', parentId, page.nextToken) }
  } catch (error) {
    if (error instanceof DingTalkError && error.appCode === 'document_not_found') {
      throw new AppError('not_found', { status: 404, message: 'That folder does not exist or was deleted.' })
    }
    throw error
  }
}

/** FILE+ALIDOC is a DingTalk document (the only thing we can insert into)(docs/dingtalk.md#wiki). */
function kindOf(node: WikiNode): DocNode['kind'] {
  if (node.type === 'FOLDER') return 'folder'
  return node.category === 'ALIDOC' ? 'document' : 'other'
}

function toDocNode(config: AppConfig, node: WikiNode): DocNode {
  const kind = kindOf(node)
  return {
    docId: node.nodeId,
    name: node.name,
    kind,
    url: config.documentUrl(node.nodeId),
    editable: kind === 'document' && EDITOR_ROLES.has(node.permissionRole ?? ''),
    hasChildren: node.hasChildren ?? node.type === 'FOLDER',
  }
}

/** Recently edited documents (empty `q`) or a search across the person's documents. */
export async function listDocuments(ctx: Ctx, q: string | undefined, cursor: string | undefined): Promise<DocumentsResponse> {
  const keyword = (q ?? '').trim()
  const kind = keyword === '' ? 'recent' : 'search'
  const nextToken = decodeCursor(kind, keyword, cursor)
  const opts = { nextToken, maxResults: DOCUMENT_PAGE }
  const page =
    keyword === '' ? await ctx.dingtalk.recentEditDocs(ctx.operatorId, opts) : await ctx.dingtalk.searchDocs(ctx.operatorId, keyword, opts)
  const docIds = await Promise.all(page.items.map((d) => docIdOf(ctx, d)))
  const items: DocumentsResponse['items'] = []
  page.items.forEach((d, i) => {
    const docId = docIds[i]
    if (docId) items.push({ docId, name: d.name, url: ctx.config.documentUrl(docId), workspaceName: d.workspaceName })
  })
  return { items, nextCursor: encodeCursor(kind, keyword, page.nextToken) }
}

/**
 * The dentryUuid of a recent/search entry: from its `/i/nodes/{id}` URL when it has that shape,
 * else resolved with GetNodeByUrl. doc_1_0's `nodeId` is never trusted as a docId
 * (docs/dingtalk.md#recent-and-search-lists). An entry that cannot be resolved is left out (null).
 */
async function docIdOf(ctx: Ctx, doc: RecentDoc): Promise<string | null> {
  if (doc.docId) return doc.docId
  if (!doc.url.startsWith('https://')) return null
  try {
    const node = await ctx.dingtalk.getNodeByUrl(doc.url, ctx.operatorId)
    return node.nodeId
  } catch (error) {
    // One entry DingTalk cannot resolve must not hide the rest of the list.
    if (error instanceof DingTalkError && !error.retryable) return null
    throw error
  }
}

/**
 * The document a pasted link points to. An alidocs node link (or our own document link) is parsed
 * locally; any other https link goes to GetNodeByUrl.
 * @throws AppError 400 invalid_url (not a link, or not to a document); DingTalkError 404/403 from DingTalk.
 */
export async function resolveDocument(ctx: Ctx, rawUrl: string): Promise<ResolveResponse> {
  const text = rawUrl.trim()
  if (!URL.canParse(text))
    throw new AppError('invalid_url', { status: 400, message: 'That is not a link. Paste the address of a DingTalk document.' })
  const url = new URL(text)
  const docId = localDocId(ctx.config, text, url)
  let node: WikiNode
  if (docId) {
    node = await ctx.dingtalk.getNode(docId, ctx.operatorId)
  } else if (url.protocol === 'https:') {
    node = await nodeByUrl(ctx, url.href)
  } else {
    throw new AppError('invalid_url', { status: 400, message: 'Only https links to DingTalk documents can be used.' })
  }
  if (node.permissionRole === 'NONE') throw new AppError('forbidden', { status: 403, message: 'You do not have access to that document.' })
  const doc = toDocNode(ctx.config, node)
  if (doc.kind !== 'document') throw new AppError('invalid_url', { status: 400, message: 'That link is not a DingTalk document.' })
  return { docId: doc.docId, name: doc.name, url: doc.url, editable: doc.editable }
}

/** GetNodeByUrl; DingTalk calling the link itself invalid means it is not a document link. */
async function nodeByUrl(ctx: Ctx, href: string): Promise<WikiNode> {
  try {
    return await ctx.dingtalk.getNodeByUrl(href, ctx.operatorId)
  } catch (error) {
    if (error instanceof DingTalkError && error.appCode === 'invalid_request') {
      throw new AppError('invalid_url', { status: 400, message: 'That link is not a DingTalk document link.' })
    }
    throw error
  }
}

function localDocId(config: AppConfig, text: string, url: URL): string | null {
  const alidocs = docIdFromNodeUrl(text)
  if (alidocs) return alidocs
  // Our own document links (the emulator's document view in sandbox mode).
  const last = decodeURIComponent(url.pathname.split('/').pop() ?? '')
  if (/^[A-Za-z0-9_-]{1,128}$/.test(last) && config.documentUrl(last) === `${url.origin}${url.pathname}`) return last
  return null
}

/**
 * Block types we name in the position picker; anything else (DingTalk's `"Undefined"` for types
 * its API does not show, or a type new to us) is listed as `other` with no text, so every root
 * block can still be chosen as a position (docs/api.md `GET /api/documents/:docId/blocks`).
 */
const NAMED_BLOCK_TYPES: ReadonlySet<string> = new Set(BLOCK_TYPES)

/** The document's root blocks, every one of them, with a short text to recognise each by. */
export async function listBlocks(ctx: Ctx, docId: string): Promise<BlockSummary[]> {
  const blocks = await ctx.dingtalk.queryBlocks(docId, ctx.operatorId)
  return blocks.map((b) =>
    NAMED_BLOCK_TYPES.has(b.blockType)
      ? { blockId: b.id, index: b.index, type: b.blockType, text: truncate(blockText(b)) }
      : { blockId: b.id, index: b.index, type: 'other', text: '' },
  )
}

/**
 * A block's own text, else its attachment name, else the text of its inline children. DingTalk may
 * not show children (docs/dingtalk.md#docblocksquery): a picture-only or empty paragraph is then "".
 */
function blockText(block: StoredBlock): string {
  const props = block[block.blockType]
  if (isRecord(props) && typeof props.text === 'string' && props.text !== '') return props.text
  if (block.blockType === 'attachment' && block.attachment?.name) return `[${block.attachment.name}]`
  return (block.children ?? []).map(inlineText).join('').trim()
}

/** Text of one child: inline text, link text, `[image]`, or a nested block's own text. */
function inlineText(child: unknown): string {
  if (!isRecord(child)) return ''
  if (typeof child.blockType === 'string') {
    const nested = child[child.blockType]
    const own = isRecord(nested) && typeof nested.text === 'string' ? nested.text : ''
    return own + (Array.isArray(child.children) ? child.children.map(inlineText).join('') : '')
  }
  if (child.elementType === 'image') return '[image]'
  if (child.elementType === 'link') return Array.isArray(child.children) ? child.children.map(inlineText).join('') : ''
  return typeof child.text === 'string' ? child.text : ''
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function truncate(text: string): string {
  return text.length > BLOCK_TEXT_MAX ? `${text.slice(0, BLOCK_TEXT_MAX - 1)}…` : text
}
