/**
 * Document blocks: DocBlocksQuery, DocInsertBlocks, DocAppendParagraph (docs/dingtalk.md#docblocksquery and
 * the sections after it), with their shared error table. Reading needs any role; writing needs
 * OWNER, MANAGER or EDITOR (README). What the answers show depends on the profile (profiles.ts).
 */
import type { FastifyInstance } from 'fastify'
import {
  AppendElementRequestSchema,
  BLOCK_TYPES,
  BlockElementSchema,
  InlineElementSchema,
  InsertBlockRequestSchema,
  type BlockElement,
} from '../../dingtalk/schemas'
import type { EmulatorContext } from '../context'
import { ApiError, zodMessage } from '../errors'
import { randomBlockId } from '../ids'
import { appendAnswer, insertAnswer, queriedBlock } from '../profiles'
import { canEdit, canRead, type EmulatorState, type Node } from '../state'
import { parseBody, queryInt, queryString, requireOperatorId, type Query } from './params'

/** Blocks whose children are inline elements (docs/dingtalk.md#block-data-structure). */
const TEXT_BLOCKS = new Set(['paragraph', 'heading', 'blockquote', 'orderedList', 'unorderedList'])
/** Blocks whose children are blocks (docs/dingtalk.md#block-data-structure). */
const CONTAINER_BLOCKS = new Set(['callout', 'columns', 'tableRow', 'tableCell'])

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Checks an inline element; an image must show a resource uploaded to this very document. */
function checkInline(state: EmulatorState, doc: Node, child: unknown, where: string): void {
  const parsed = InlineElementSchema.safeParse(child)
  if (!parsed.success) {
    const type = isObject(child) && typeof child['elementType'] === 'string' ? ` (elementType "${child['elementType']}")` : ''
    throw new ApiError(400, 'paramError', `${where} is not a valid inline element${type}: ${zodMessage(parsed.error, where)}`)
  }
  const element = parsed.data
  if ('elementType' in element && element.elementType === 'image') {
    const src = element.properties.src
    if (!state.uploadedResourceByUrl(doc.nodeId, src)) {
      throw new ApiError(
        400,
        'paramError',
        `${where}.properties.src "${src}" is not the resourceUrl of a resource uploaded to this document`,
      )
    }
  }
}

/** Validates a block element beyond its zod shape: per-type properties, children, resource references. */
function checkBlock(state: EmulatorState, doc: Node, raw: unknown, where: string): BlockElement {
  if (isObject(raw) && typeof raw['blockType'] === 'string' && !(BLOCK_TYPES as readonly string[]).includes(raw['blockType'])) {
    throw new ApiError(400, 'paramError', `${where}.blockType "${raw['blockType']}" is not a known block type (${BLOCK_TYPES.join(', ')})`)
  }
  const parsed = BlockElementSchema.safeParse(raw)
  if (!parsed.success) throw new ApiError(400, 'paramError', zodMessage(parsed.error, where))
  const element = parsed.data
  const type = element.blockType
  const props = (element as Record<string, unknown>)[type]
  if ((type === 'paragraph' || type === 'attachment' || type === 'orderedList' || type === 'unorderedList') && !isObject(props)) {
    throw new ApiError(400, 'paramError', `${where}.${type} is required for a ${type} block (pass {} if it has no properties)`)
  }
  if ((type === 'orderedList' || type === 'unorderedList') && !isObject((props as Record<string, unknown>)['list'])) {
    throw new ApiError(400, 'paramError', `${where}.${type}.list is required`)
  }
  if (props !== undefined && !isObject(props)) throw new ApiError(400, 'paramError', `${where}.${type} must be an object`)
  if (type === 'heading' && element.heading?.level !== undefined) {
    // DocBlocksQuery returns `"level":"heading-1"` (docs/dingtalk.md#block-data-structure) while inserts may send a number.
    const level = element.heading.level
    const n = typeof level === 'number' ? level : Number(/^heading-([1-6])$/.exec(level)?.[1])
    if (!Number.isInteger(n) || n < 1 || n > 6)
      throw new ApiError(400, 'paramError', `${where}.heading.level must be 1-6 or "heading-1".."heading-6"`)
    element.heading = { ...element.heading, level: `heading-${n}` }
  }
  const children = element.children ?? []
  if (type === 'attachment') {
    const attachment = element.attachment
    if (!attachment) throw new ApiError(400, 'paramError', `${where}.attachment is required`)
    const resource = state.resourceOfDoc(doc.nodeId, attachment.resourceId)
    if (!resource || !resource.uploaded) {
      throw new ApiError(
        400,
        'paramError',
        `${where}.attachment.resourceId "${attachment.resourceId}" is not a resource uploaded to this document`,
      )
    }
    if (children.length) throw new ApiError(400, 'paramError', `${where}: an attachment block has no children`)
  } else if (type === 'table') {
    if (children.length) throw new ApiError(400, 'paramError', `${where}: a table block takes no children`)
  } else if (TEXT_BLOCKS.has(type)) {
    children.forEach((child, i) => checkInline(state, doc, child, `${where}.children.${i}`))
  } else if (CONTAINER_BLOCKS.has(type)) {
    element.children = children.map((child, i) => checkBlock(state, doc, child, `${where}.children.${i}`))
  }
  return element
}

/** The document or 404 docNotExist, and the operator's role on it. */
function openDocument(ctx: EmulatorContext, docKey: string, operatorId: string, mode: 'read' | 'write'): Node {
  const doc = ctx.state.document(docKey)
  if (!doc) throw new ApiError(404, 'docNotExist', `document ${docKey} does not exist`)
  const role = ctx.state.roleOf(doc.nodeId, operatorId)
  const allowed = mode === 'read' ? canRead(role) : canEdit(role)
  if (!allowed) {
    const need = mode === 'read' ? 'any role' : 'OWNER, MANAGER or EDITOR'
    throw new ApiError(403, 'forbidden.accessDenied', `operator ${operatorId} has role ${role} on document ${docKey}; ${need} is required`)
  }
  return doc
}

export function registerBlockRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  app.get<{ Params: { docKey: string } }>('/v1.0/doc/suites/documents/:docKey/blocks', async (request) => {
    const query = request.query as Query
    const operatorId = requireOperatorId(query)
    const startIndex = queryInt(query, 'startIndex', { min: 0, max: 1_000_000 })
    const endIndex = queryInt(query, 'endIndex', { min: 0, max: 1_000_000 })
    if (startIndex !== undefined && endIndex !== undefined && endIndex < startIndex) {
      throw new ApiError(400, 'paramError', `endIndex (${endIndex}) is less than startIndex (${startIndex})`)
    }
    const blockType = queryString(query, 'blockType')
    if (blockType !== undefined && blockType !== 'Undefined' && !(BLOCK_TYPES as readonly string[]).includes(blockType)) {
      throw new ApiError(400, 'paramError', `blockType "${blockType}" is not a known block type`)
    }
    const doc = openDocument(ctx, request.params.docKey, operatorId, 'read')
    // The filters see the blocks as this profile shows them (an `attachment` is "Undefined" in `documented`).
    const data = doc.blocks
      .map((block, index) => queriedBlock(ctx.config.profile, block, index))
      .filter(
        (b, index) =>
          (startIndex === undefined || index >= startIndex) &&
          (endIndex === undefined || index <= endIndex) &&
          (blockType === undefined || b['blockType'] === blockType),
      )
    return { success: true, result: { data } }
  })

  app.post<{ Params: { docKey: string } }>('/v1.0/doc/suites/documents/:docKey/blocks', async (request) => {
    const operatorId = requireOperatorId(request.query as Query)
    // Shape first (so an unknown blockType reads as such), then the document, then references.
    const rawElement = isObject(request.body) ? request.body['element'] : undefined
    if (
      isObject(rawElement) &&
      typeof rawElement['blockType'] === 'string' &&
      !(BLOCK_TYPES as readonly string[]).includes(rawElement['blockType'])
    ) {
      throw new ApiError(
        400,
        'paramError',
        `element.blockType "${rawElement['blockType']}" is not a known block type (${BLOCK_TYPES.join(', ')})`,
      )
    }
    const body = parseBody(InsertBlockRequestSchema, request.body)
    const doc = openDocument(ctx, request.params.docKey, operatorId, 'write')
    const element = checkBlock(state, doc, rawElement, 'element')

    const count = doc.blocks.length
    let position = count
    if (body.blockId !== undefined) {
      const at = doc.blocks.findIndex((b) => b.id === body.blockId)
      if (at === -1)
        throw new ApiError(404, 'invalidRequest.resource.notFound', `block ${body.blockId} does not exist in document ${doc.nodeId}`)
      position = body.where === 'before' ? at : at + 1
    } else if (body.index !== undefined) {
      if (body.index > count)
        throw new ApiError(400, 'paramError', `index ${body.index} is out of range: the document has ${count} root blocks`)
      position = body.index === count ? count : body.where === 'before' ? body.index : body.index + 1
    }
    const stored = state.insertBlock(doc, element as Record<string, unknown>, position, operatorId)
    return insertAnswer(ctx.config.profile, stored, position)
  })

  app.post<{ Params: { docKey: string; blockId: string } }>(
    '/v1.0/doc/suites/documents/:docKey/blocks/:blockId/paragraph/appendElement',
    async (request) => {
      const operatorId = requireOperatorId(request.query as Query)
      const body = parseBody(AppendElementRequestSchema, request.body)
      const doc = openDocument(ctx, request.params.docKey, operatorId, 'write')
      const { blockId } = request.params
      const block = doc.blocks.find((b) => b.id === blockId)
      if (!block) throw new ApiError(404, 'invalidRequest.resource.notFound', `block ${blockId} does not exist in document ${doc.nodeId}`)
      if (block['blockType'] !== 'paragraph') {
        throw new ApiError(400, 'paramError', `block ${blockId} is a ${String(block['blockType'])} block; appendElement needs a paragraph`)
      }
      checkInline(state, doc, body, 'body')
      const children = Array.isArray(block['children']) ? (block['children'] as unknown[]) : []
      children.push(body)
      block['children'] = children
      state.recordEdit(doc, operatorId)
      return appendAnswer(ctx.config.profile, {
        elementId: randomBlockId(),
        elementType: body.elementType,
        [body.elementType]: body.properties,
        index: children.length - 1,
        parentId: blockId,
      })
    },
  )
}
