/**
 * Shapes of the DingTalk open API as we use it. Strict on what we send (the emulator validates
 * every request with the same request shapes), lenient on what DingTalk answers: any `blockType`,
 * optional fields optional, a missing list read as empty (docs/dingtalk.md#answer-profiles).
 * Sources: docs/dingtalk.md (one anchor per API) and the official `@alicloud/dingtalk` models.
 */
import { z } from 'zod'

// ---- error envelopes (docs/dingtalk.md#errors) -----------------------------------------

/** v1.0/v2.0 error body; gateway errors use capitalised keys (`Code`, `Message`, `RequestId`). */
export const ApiErrorBodySchema = z
  .object({
    code: z.string().optional(),
    Code: z.string().optional(),
    message: z.string().optional(),
    Message: z.string().optional(),
    requestid: z.string().optional(),
    RequestId: z.string().optional(),
  })
  .loose()
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>

/** oapi envelope: always HTTP 200, `errcode` 0 means success. */
export const OapiEnvelopeSchema = z
  .object({ errcode: z.number(), errmsg: z.string().optional(), request_id: z.string().optional() })
  .loose()

// ---- tokens and login (#access-token, #silent-login) --------------------------------------------

export const AccessTokenRequestSchema = z.object({ appKey: z.string().min(1), appSecret: z.string().min(1) })
export const AccessTokenResponseSchema = z.object({ accessToken: z.string().min(1), expireIn: z.number().int().positive() })
export type AccessTokenResponse = z.infer<typeof AccessTokenResponseSchema>

export const LegacyTokenResponseSchema = OapiEnvelopeSchema.extend({
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
})

/** get_jsapi_ticket (docs/dingtalk.md#jsapi-ticket). */
export const JsapiTicketResponseSchema = OapiEnvelopeSchema.extend({
  ticket: z.string().optional(),
  expires_in: z.number().optional(),
})

export const GetUserInfoRequestSchema = z.object({ code: z.string().min(1) })
export const GetUserInfoResponseSchema = OapiEnvelopeSchema.extend({
  result: z
    .object({
      userid: z.string(),
      unionid: z.string(),
      name: z.string(),
    })
    .loose()
    .optional(),
})

// ---- resources (#getresourceuploadinfo) --------------------------------------------------------

export const ResourceUploadInfoRequestSchema = z.object({
  size: z.number().int().positive(),
  mediaType: z.string().min(1),
  resourceName: z.string().min(1),
})
export type ResourceUploadInfoRequest = z.infer<typeof ResourceUploadInfoRequestSchema>

export const ResourceUploadInfoSchema = z.object({
  uploadUrl: z.string().min(1),
  resourceId: z.string().min(1),
  resourceUrl: z.string().min(1),
})
export type ResourceUploadInfo = z.infer<typeof ResourceUploadInfoSchema>
export const ResourceUploadInfoResponseSchema = z.object({
  success: z.boolean().optional(),
  result: ResourceUploadInfoSchema,
})

// ---- document blocks (#block-data-structure) --------------------------------------------------

/** The public BlockType vocabulary (docs/dingtalk.md#block-data-structure); anything else reads back as `Undefined`. */
export const DOCUMENTED_BLOCK_TYPES = [
  'paragraph',
  'heading',
  'blockquote',
  'callout',
  'columns',
  'orderedList',
  'unorderedList',
  'table',
  'tableRow',
  'tableCell',
] as const

export const BLOCK_TYPES = [
  ...DOCUMENTED_BLOCK_TYPES,
  // Not in the public BlockType list; DingTalk's own tools send it (docs/dingtalk.md#attachment-block).
  'attachment',
] as const
export const BlockTypeSchema = z.enum(BLOCK_TYPES)
export type BlockType = z.infer<typeof BlockTypeSchema>

/** A text inline element has no `elementType`. */
export const TextElementSchema = z
  .object({
    text: z.string(),
    sz: z.number().optional(),
    color: z.string().optional(),
    highlight: z.string().optional(),
    bold: z.boolean().optional(),
    italic: z.boolean().optional(),
    stike: z.boolean().optional(),
    underline: z.boolean().optional(),
    fonts: z.string().optional(),
  })
  .strict()
export const ImageElementSchema = z.object({
  elementType: z.literal('image'),
  properties: z.object({ src: z.string().min(1) }).loose(),
})
export const StickerElementSchema = z.object({
  elementType: z.literal('sticker'),
  properties: z.object({ code: z.string().min(1) }).loose(),
})
export const LinkElementSchema = z.object({
  elementType: z.literal('link'),
  properties: z.object({ href: z.string().min(1) }).loose(),
  children: z.array(TextElementSchema.refine((t) => t.text.length > 0, 'empty link text')).min(1),
})
export const InlineElementSchema = z.union([TextElementSchema, ImageElementSchema, StickerElementSchema, LinkElementSchema])
export type InlineElement = z.infer<typeof InlineElementSchema>

export const AttachmentPropsSchema = z.object({
  resourceId: z.string().min(1),
  type: z.string().min(1),
  name: z.string().min(1),
  viewType: z.string().optional(),
})

/** A block as DocInsertBlocks takes it: `{blockType, [blockType]: props, children?}`. */
export const BlockElementSchema = z
  .object({
    blockType: BlockTypeSchema,
    paragraph: z.object({ text: z.string().optional() }).loose().optional(),
    heading: z
      .object({ level: z.union([z.number(), z.string()]).optional(), text: z.string().optional() })
      .loose()
      .optional(),
    attachment: AttachmentPropsSchema.optional(),
    children: z.array(z.unknown()).optional(),
  })
  .loose()
export type BlockElement = z.infer<typeof BlockElementSchema>

export const InsertBlockRequestSchema = z.object({
  element: BlockElementSchema,
  blockId: z.string().min(1).optional(),
  index: z.number().int().nonnegative().optional(),
  where: z.enum(['before', 'after']).optional(),
})
export type InsertBlockRequest = z.infer<typeof InsertBlockRequestSchema>

// ---- what DingTalk answers: parsed leniently (docs/dingtalk.md#answer-profiles) ----------------

/**
 * A list field DingTalk may leave out when it is empty (every list in the SDK models is optional):
 * missing or null reads as `[]`, and an entry without what we need (its id) is dropped rather than
 * failing the whole answer.
 */
function lenientList<T extends z.ZodType>(item: T) {
  return z
    .array(z.unknown())
    .nullish()
    .catch(undefined)
    .transform((raw) =>
      (raw ?? []).flatMap((entry) => {
        const parsed = item.safeParse(entry)
        return parsed.success ? [parsed.data as z.output<T>] : []
      }),
    )
}

/** An optional property that is dropped (not fatal) when it has an unexpected shape. */
function tolerant<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined)
}

/**
 * A block as DocBlocksQuery / DocInsertBlocks return it: `id`, `index`, any `blockType` string
 * (`"Undefined"` for types the API does not support, docs/dingtalk.md#docblocksquery), the type's
 * properties when shown, and inline `children` only when DingTalk echoes them (it may not).
 */
export const StoredBlockSchema = z
  .object({
    id: z.string().min(1),
    index: z.number().int(),
    blockType: z.string(),
    paragraph: tolerant(z.object({ text: tolerant(z.string()) }).loose()),
    heading: tolerant(z.object({ level: tolerant(z.union([z.number(), z.string()])), text: tolerant(z.string()) }).loose()),
    attachment: tolerant(z.object({ resourceId: tolerant(z.string()), type: tolerant(z.string()), name: tolerant(z.string()) }).loose()),
    children: tolerant(z.array(z.unknown())),
  })
  .loose()
export type StoredBlock = z.infer<typeof StoredBlockSchema>

/**
 * DocInsertBlocks' answer: the stored block (maybe without `children`), or a bare
 * `{"success":true}` (docs/dingtalk.md#docinsertblocks). `result.data` that is not a usable block
 * (no `id` or `index`) reads as "no block" too: the write happened, the caller finds it by reading.
 */
export const InsertBlockResponseSchema = z
  .object({
    success: tolerant(z.boolean()),
    result: tolerant(z.object({ data: tolerant(StoredBlockSchema) }).loose()),
  })
  .loose()
/** A root block in DocBlocksQuery's list, whose position in the list stands in for a missing `index`. */
const QueriedBlockSchema = StoredBlockSchema.extend({ index: z.number().int().optional() })
export const BlocksQueryResponseSchema = z
  .object({
    success: tolerant(z.boolean()),
    result: tolerant(z.object({ data: lenientList(QueriedBlockSchema) }).loose()),
  })
  .loose()

export const AppendElementRequestSchema = z.union([ImageElementSchema, StickerElementSchema, LinkElementSchema])

/** DocAppendParagraph's answer when it names the new element (docs/dingtalk.md#docappendparagraph). */
export const AppendedElementSchema = z
  .object({ elementId: z.string().min(1), elementType: tolerant(z.string()), index: tolerant(z.number()), parentId: tolerant(z.string()) })
  .loose()
export type AppendedElement = z.infer<typeof AppendedElementSchema>
export const AppendElementResponseSchema = z
  .object({
    success: tolerant(z.boolean()),
    result: tolerant(z.object({ data: tolerant(AppendedElementSchema) }).loose()),
  })
  .loose()

// ---- wiki v2 (#wiki) --------------------------------------------------------

export const PermissionRoleSchema = z.enum(['OWNER', 'MANAGER', 'EDITOR', 'DOWNLOADER', 'READER', 'NONE'])
export type PermissionRole = z.infer<typeof PermissionRoleSchema>

export const WikiWorkspaceSchema = z
  .object({
    workspaceId: z.string().min(1),
    rootNodeId: z.string().min(1),
    name: z.string().catch(''),
    type: tolerant(z.string()),
    url: tolerant(z.string()),
    permissionRole: tolerant(z.string()),
  })
  .loose()
export type WikiWorkspace = z.infer<typeof WikiWorkspaceSchema>

const NextTokenSchema = z.string().nullish().catch(undefined)

export const ListWorkspacesResponseSchema = z.object({ workspaces: lenientList(WikiWorkspaceSchema), nextToken: NextTokenSchema }).loose()
export const MineWorkspaceResponseSchema = z.object({ workspace: WikiWorkspaceSchema }).loose()

/**
 * A wiki v2 node. `type` is `FILE` or `FOLDER` in the docs; another value is kept (and treated as
 * "not a folder") rather than failing the listing.
 */
export const WikiNodeSchema = z
  .object({
    nodeId: z.string().min(1),
    workspaceId: tolerant(z.string()),
    name: z.string().catch(''),
    type: z.string().catch('FILE'),
    category: tolerant(z.string()),
    extension: tolerant(z.string()),
    url: tolerant(z.string()),
    hasChildren: tolerant(z.boolean()),
    permissionRole: tolerant(z.string()),
  })
  .loose()
export type WikiNode = z.infer<typeof WikiNodeSchema>

export const ListNodesResponseSchema = z.object({ nodes: lenientList(WikiNodeSchema), nextToken: NextTokenSchema }).loose()
export const NodeResponseSchema = z.object({ node: WikiNodeSchema }).loose()
export const NodeByUrlRequestSchema = z.object({
  url: z.string().min(1),
  option: z.object({ withStatisticalInfo: z.boolean().optional(), withPermissionRole: z.boolean().optional() }).optional(),
})

// ---- doc_1_0 listings (#recent-and-search-lists) ----------------------------------------------

/** A doc_1_0 list entry's node: `url` is what we trust for the docId (docs/dingtalk.md#recent-and-search-lists). */
const DocNodeBOSchema = z
  .object({
    nodeId: tolerant(z.string()),
    nodeName: tolerant(z.string()),
    name: tolerant(z.string()),
    url: tolerant(z.string()),
  })
  .loose()
const DocWorkspaceBOSchema = z
  .object({ workspaceId: tolerant(z.string()), workspaceName: tolerant(z.string()), name: tolerant(z.string()) })
  .loose()
const DocListEntrySchema = z.object({ nodeBO: DocNodeBOSchema, workspaceBO: DocWorkspaceBOSchema.catch({}) }).loose()
export type DocListEntry = z.infer<typeof DocListEntrySchema>

export const RecentEditDocsResponseSchema = z.object({ recentList: lenientList(DocListEntrySchema), nextToken: NextTokenSchema }).loose()
export const SearchDocsResponseSchema = z
  .object({ docs: lenientList(DocListEntrySchema), hasMore: tolerant(z.boolean()), nextToken: NextTokenSchema })
  .loose()
