/**
 * Shapes of the DingTalk open API as we use it. The client parses every response with these, and
 * the emulator validates every request with the same shapes, so both speak one language.
 * Sources: ../shared/reference/dingtalk-open-api.md (sections named per schema) and the official
 * `@alicloud/dingtalk` 2.2.27 models.
 */
import { z } from 'zod'

// ---- error envelopes (§1.1, §1.2) -----------------------------------------

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

// ---- tokens and login (§2, §3) --------------------------------------------

export const AccessTokenRequestSchema = z.object({ appKey: z.string().min(1), appSecret: z.string().min(1) })
export const AccessTokenResponseSchema = z.object({ accessToken: z.string().min(1), expireIn: z.number().int().positive() })
export type AccessTokenResponse = z.infer<typeof AccessTokenResponseSchema>

export const LegacyTokenResponseSchema = OapiEnvelopeSchema.extend({
  access_token: z.string().optional(),
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

// ---- resources (§4) --------------------------------------------------------

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

// ---- document blocks (§5) --------------------------------------------------

export const BLOCK_TYPES = [
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
  // Not in the public BlockType list; DingTalk's own tools send it (DESIGN.md §1.6).
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

/** A block as DocBlocksQuery / DocInsertBlocks return it. */
export const StoredBlockSchema = BlockElementSchema.extend({ id: z.string(), index: z.number().int() })
export type StoredBlock = z.infer<typeof StoredBlockSchema>

export const InsertBlockResponseSchema = z.object({
  success: z.boolean().optional(),
  result: z.object({ data: StoredBlockSchema }).optional(),
})
export const BlocksQueryResponseSchema = z.object({
  success: z.boolean().optional(),
  result: z.object({ data: z.array(StoredBlockSchema) }),
})

export const AppendElementRequestSchema = z.union([ImageElementSchema, StickerElementSchema, LinkElementSchema])
export const AppendElementResponseSchema = z.object({
  success: z.boolean().optional(),
  result: z
    .object({
      data: z.object({ elementId: z.string(), elementType: z.string(), index: z.number().int(), parentId: z.string() }).loose(),
    })
    .optional(),
})

// ---- wiki v2 (§6.2) --------------------------------------------------------

export const PermissionRoleSchema = z.enum(['OWNER', 'MANAGER', 'EDITOR', 'DOWNLOADER', 'READER', 'NONE'])
export type PermissionRole = z.infer<typeof PermissionRoleSchema>

export const WikiWorkspaceSchema = z
  .object({
    workspaceId: z.string(),
    rootNodeId: z.string(),
    name: z.string(),
    type: z.string().optional(),
    url: z.string().optional(),
    permissionRole: z.string().optional(),
  })
  .loose()
export type WikiWorkspace = z.infer<typeof WikiWorkspaceSchema>

export const ListWorkspacesResponseSchema = z.object({
  workspaces: z.array(WikiWorkspaceSchema),
  nextToken: z.string().optional().nullable(),
})
export const MineWorkspaceResponseSchema = z.object({ workspace: WikiWorkspaceSchema })

export const WikiNodeSchema = z
  .object({
    nodeId: z.string(),
    workspaceId: z.string(),
    name: z.string(),
    type: z.enum(['FILE', 'FOLDER']),
    category: z.string().optional(),
    extension: z.string().optional(),
    url: z.string(),
    hasChildren: z.boolean().optional(),
    permissionRole: z.string().optional(),
  })
  .loose()
export type WikiNode = z.infer<typeof WikiNodeSchema>

export const ListNodesResponseSchema = z.object({
  nodes: z.array(WikiNodeSchema),
  nextToken: z.string().optional().nullable(),
})
export const NodeResponseSchema = z.object({ node: WikiNodeSchema })
export const NodeByUrlRequestSchema = z.object({
  url: z.string().min(1),
  option: z.object({ withStatisticalInfo: z.boolean().optional(), withPermissionRole: z.boolean().optional() }).optional(),
})

// ---- doc_1_0 listings (§6.5) ----------------------------------------------

export const RecentEditDocsResponseSchema = z.object({
  recentList: z.array(
    z.object({
      nodeBO: z.object({ nodeId: z.string(), nodeName: z.string(), url: z.string() }).loose(),
      workspaceBO: z.object({ workspaceId: z.string(), workspaceName: z.string() }).loose(),
    }),
  ),
  nextToken: z.string().optional().nullable(),
})
export const SearchDocsResponseSchema = z.object({
  docs: z.array(
    z.object({
      nodeBO: z.object({ nodeId: z.string(), name: z.string(), url: z.string() }).loose(),
      workspaceBO: z.object({ workspaceId: z.string(), name: z.string() }).loose(),
    }),
  ),
  hasMore: z.boolean().optional(),
  nextToken: z.string().optional().nullable(),
})
