/**
 * Schemas of OUR HTTP API (server ↔ H5), the single source of truth for both sides:
 * server routes validate requests with them, src/api parses responses with them.
 * The shapes follow docs/api.md exactly; acceptance tests rely on them.
 */
import { z } from 'zod'

/** Every error code our API can answer with, listed once. */
export const ERROR_CODES = [
  'invalid_request',
  'unauthenticated',
  'csrf_failed',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'auth_code_invalid',
  'rate_limited',
  'dingtalk_unavailable',
  'invalid_url',
  'document_not_found',
  'forbidden',
  'length_required',
  'file_too_large',
  'unsupported_type',
  'size_mismatch',
  'idempotency_key_required',
  'resource_invalid',
  'checksum_mismatch',
  'upload_incomplete',
  'resource_used',
  'insertion_uncertain',
  'internal_error',
  'request_timeout',
  'service_unavailable',
  'evidence_code_not_issued',
  'evidence_code_used',
] as const
export const ErrorCodeSchema = z.enum(ERROR_CODES)
export type ErrorCode = z.infer<typeof ErrorCodeSchema>

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    /** On a failed insertion: what went in before DingTalk failed (InsertionIncompleteDetails). */
    details: z.unknown().optional(),
  }),
})
export type ErrorBody = z.infer<typeof ErrorBodySchema>

export const ModeSchema = z.enum(['sandbox', 'live'])
export type Mode = z.infer<typeof ModeSchema>

// ---- health & config -------------------------------------------------------

/** `status` is `degraded` while the shared store is unreachable (docs/api.md "Health and configuration"). */
export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  mode: ModeSchema,
  store: z.enum(['redis', 'local']),
  storeReachable: z.boolean(),
})
export type HealthResponse = z.infer<typeof HealthResponseSchema>

export const LimitsSchema = z.object({
  maxFileBytes: z.number().int().positive(),
  maxImageBytes: z.number().int().positive(),
  maxFilesPerBatch: z.number().int().positive(),
  acceptedTypes: z.array(z.string()),
  /** Long edge (px) photos are downscaled to on the device (docs/architecture.md, step 4); the H5 uses 2560 when absent. */
  photoMaxEdge: z.number().int().min(320).max(16384).optional(),
})
export type Limits = z.infer<typeof LimitsSchema>

export const ConfigResponseSchema = z.object({
  mode: ModeSchema,
  corpId: z.string(),
  /**
   * The app key, for `requestAuthCode({corpId, clientId})` (docs/dingtalk.md#silent-login).
   * Optional when read, so a page talking to an older server still signs in with the older JSAPI.
   */
  clientId: z.string().optional(),
  limits: LimitsSchema,
  /** Evidence stamping (docs/evidence.md): absent from an older server means "not available". */
  evidence: z.object({ available: z.boolean(), default: z.boolean() }).default({ available: false, default: false }),
})
export type ConfigResponse = z.infer<typeof ConfigResponseSchema>

// ---- sandbox ---------------------------------------------------------------

export const SandboxUsersResponseSchema = z.object({
  items: z.array(z.object({ userId: z.string(), name: z.string() })),
})
export type SandboxUsersResponse = z.infer<typeof SandboxUsersResponseSchema>

export const SandboxAuthCodeRequestSchema = z.object({ userId: z.string().min(1).max(128) })
export const SandboxAuthCodeResponseSchema = z.object({ authCode: z.string() })

// ---- session ---------------------------------------------------------------

export const SessionRequestSchema = z.object({ authCode: z.string().min(1).max(512) })

export const UserSchema = z.object({ userId: z.string(), unionId: z.string(), name: z.string() })
export type User = z.infer<typeof UserSchema>

export const SessionResponseSchema = z.object({ user: UserSchema, csrfToken: z.string() })
export type SessionResponse = z.infer<typeof SessionResponseSchema>

// ---- choosing a document ---------------------------------------------------

export const CursorQuerySchema = z.object({ cursor: z.string().max(2048).optional() })

export const WorkspaceSchema = z.object({
  workspaceId: z.string(),
  name: z.string(),
  rootNodeId: z.string(),
  type: z.string(),
})
export type Workspace = z.infer<typeof WorkspaceSchema>
export const WorkspacesResponseSchema = z.object({
  items: z.array(WorkspaceSchema),
  nextCursor: z.string().nullable(),
})
export type WorkspacesResponse = z.infer<typeof WorkspacesResponseSchema>

export const NodesQuerySchema = z.object({
  parentId: z.string().min(1).max(128),
  cursor: z.string().max(2048).optional(),
})
export const NodeKindSchema = z.enum(['document', 'folder', 'other'])
export const NodeSchema = z.object({
  docId: z.string(),
  name: z.string(),
  kind: NodeKindSchema,
  url: z.string(),
  editable: z.boolean(),
  hasChildren: z.boolean(),
})
export type DocNode = z.infer<typeof NodeSchema>
export const NodesResponseSchema = z.object({
  items: z.array(NodeSchema),
  nextCursor: z.string().nullable(),
})
export type NodesResponse = z.infer<typeof NodesResponseSchema>

export const DocumentsQuerySchema = z.object({
  q: z.string().max(200).optional(),
  cursor: z.string().max(2048).optional(),
})
export const DocumentSummarySchema = z.object({
  docId: z.string(),
  name: z.string(),
  url: z.string(),
  workspaceName: z.string(),
})
export type DocumentSummary = z.infer<typeof DocumentSummarySchema>
export const DocumentsResponseSchema = z.object({
  items: z.array(DocumentSummarySchema),
  nextCursor: z.string().nullable(),
})
export type DocumentsResponse = z.infer<typeof DocumentsResponseSchema>

export const ResolveRequestSchema = z.object({ url: z.string().min(1).max(2048) })
export const ResolveResponseSchema = z.object({
  docId: z.string(),
  name: z.string(),
  url: z.string(),
  editable: z.boolean(),
})
export type ResolveResponse = z.infer<typeof ResolveResponseSchema>

/** Our document ids are DingTalk dentryUuids: letters and digits only. */
export const DocIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/)
export const DocParamsSchema = z.object({ docId: DocIdSchema })

export const BlockSummarySchema = z.object({
  blockId: z.string(),
  index: z.number().int(),
  type: z.string(),
  text: z.string(),
})
export type BlockSummary = z.infer<typeof BlockSummarySchema>
export const BlocksResponseSchema = z.object({ items: z.array(BlockSummarySchema) })
export type BlocksResponse = z.infer<typeof BlocksResponseSchema>

// ---- upload ----------------------------------------------------------------

export const ResourceKindSchema = z.enum(['image', 'file'])
export type ResourceKind = z.infer<typeof ResourceKindSchema>

export const ResourceQuerySchema = z.object({ name: z.string().max(1024).optional() })

/** The same content already went into this document (within DUPLICATE_WINDOW_DAYS): where and when. */
export const DuplicateOfSchema = z.object({ blockId: z.string(), insertedAt: z.string() })
export type DuplicateOf = z.infer<typeof DuplicateOfSchema>

/** `X-Content-SHA256: <64 hex>` on an upload: the SHA-256 of exactly the bytes sent. */
export const CONTENT_SHA256_HEADER = 'x-content-sha256'
/** `X-Evidence: <base64url of EvidenceClaim JSON>` on `POST /api/documents/:docId/resources`. */
export const EVIDENCE_HEADER = 'x-evidence'
export const Sha256HexSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/)
  .transform((s) => s.toLowerCase())

/**
 * The headers an upload is judged by (the body is the raw file). Content-Length is checked by the
 * upload service, which answers 411 without it; Content-Type is only a hint between sibling types.
 */
export const ResourceHeadersSchema = z
  .object({
    'content-length': z.string().optional(),
    'content-type': z.string().optional(),
    [CONTENT_SHA256_HEADER]: Sha256HexSchema.optional(),
    [EVIDENCE_HEADER]: z.string().optional(),
  })
  .loose()
export const ResourceResponseSchema = z.object({
  resourceId: z.string(),
  resourceUrl: z.string(),
  resourceToken: z.string(),
  name: z.string(),
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
  kind: ResourceKindSchema,
  /** Always sent by this server; absent from an older one means "not known". */
  duplicateOf: DuplicateOfSchema.nullable().default(null),
  /** The evidence record this upload registered (docs/evidence.md); null without X-Evidence. */
  evidence: z.object({ code: z.string(), verifyUrl: z.string() }).nullable().default(null),
})
export type ResourceResponse = z.infer<typeof ResourceResponseSchema>

// ---- insertion -------------------------------------------------------------

export const MAX_CAPTION_LENGTH = 500

export const PositionSchema = z.union([
  z.object({ where: z.enum(['end', 'start']) }),
  z.object({ where: z.enum(['after', 'before']), blockId: z.string().min(1).max(128) }),
])
export type Position = z.infer<typeof PositionSchema>

export const LayoutSchema = z.enum(['separate', 'together'])
export type Layout = z.infer<typeof LayoutSchema>

export const InsertionItemSchema = z.object({
  resourceToken: z.string().min(1).max(4096),
  caption: z.string().max(MAX_CAPTION_LENGTH).optional(),
})
export type InsertionItem = z.infer<typeof InsertionItemSchema>

/** `items` max is the server's maxFilesPerBatch; 200 here only bounds parsing. */
export const InsertionRequestSchema = z.object({
  items: z.array(InsertionItemSchema).min(1).max(200),
  position: PositionSchema.optional(),
  layout: LayoutSchema.optional(),
})
export type InsertionRequest = z.infer<typeof InsertionRequestSchema>

export const InsertedBlockSchema = z.object({ blockId: z.string(), resourceId: z.string() })
export type InsertedBlock = z.infer<typeof InsertedBlockSchema>

export const InsertionResponseSchema = z.object({
  blocks: z.array(InsertedBlockSchema),
  documentUrl: z.string(),
})
export type InsertionResponse = z.infer<typeof InsertionResponseSchema>

/**
 * `error.details` of a failed insertion (any DingTalk-mapped code such as 503 dingtalk_unavailable):
 * which items are already in the document. A retry with the same Idempotency-Key finishes the rest.
 */
export const InsertionIncompleteDetailsSchema = z.object({
  blocks: z.array(InsertedBlockSchema),
  pendingResourceIds: z.array(z.string()),
})
export type InsertionIncompleteDetails = z.infer<typeof InsertionIncompleteDetailsSchema>

/**
 * `error.details` of `409 insertion_uncertain`: DingTalk did not confirm a write and the document
 * cannot tell whether it went in (docs/api.md "Exactly once"). `uncertainResourceIds` may already be
 * in the document: the person checks and, if missing, sends them again as a new batch (new key).
 * `blocks` are in for sure; `pendingResourceIds` are not in.
 */
export const InsertionUncertainDetailsSchema = z.object({
  blocks: z.array(InsertedBlockSchema),
  uncertainResourceIds: z.array(z.string()),
  pendingResourceIds: z.array(z.string()),
})
export type InsertionUncertainDetails = z.infer<typeof InsertionUncertainDetailsSchema>

/**
 * `error.details` of `409 resource_used`: a resource token of the batch already went into this
 * document under another Idempotency-Key. `blockId`/`insertedAt` (ISO time) are those of the first
 * such item; `items` lists every one.
 */
export const ResourceUsedDetailsSchema = z.object({
  blockId: z.string(),
  insertedAt: z.string(),
  resourceId: z.string().optional(),
  items: z.array(z.object({ resourceId: z.string(), blockId: z.string(), insertedAt: z.string() })).optional(),
})
export type ResourceUsedDetails = z.infer<typeof ResourceUsedDetailsSchema>

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key'
/**
 * Sent as `Idempotency-Retry: true` by a client on every send of an Idempotency-Key it has sent
 * before (after a network error, a 5xx, a timeout, or on resume after a reload). When the server's
 * journal is younger than the batch's tokens (DATA_DIR lost, another instance), it then checks the
 * document for the batch's blocks before writing. Any other value is ignored.
 */
export const IDEMPOTENCY_RETRY_HEADER = 'idempotency-retry'
export const CSRF_HEADER = 'x-csrf-token'
/**
 * The headers of an insertion. The Idempotency-Key is required (428 without it, 400 when malformed);
 * the route checks it before the body so that a missing key is named first.
 */
export const InsertionHeadersSchema = z
  .object({ [IDEMPOTENCY_KEY_HEADER]: z.string().optional(), [IDEMPOTENCY_RETRY_HEADER]: z.string().optional() })
  .loose()

// ---- evidence (docs/evidence.md) ---------------------------------------------

/** Crockford base32 without I, L, O, U: the characters an evidence code is made of. */
export const EVIDENCE_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** A code as issued and shown: three groups of four, e.g. `7K3M-Q9TX-2H4B`. */
export const EvidenceCodeSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
export type EvidenceCode = z.infer<typeof EvidenceCodeSchema>

/** A code as a person may type it: any case, hyphens optional; normalised to the issued form. */
export const EvidenceCodeInputSchema = z
  .string()
  .max(64)
  .transform((s) => s.replace(/-/g, '').toUpperCase())
  .pipe(z.string().regex(/^[0-9A-HJKMNP-TV-Z]{12}$/))
  .transform((s) => `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`)
export const EvidenceCodeParamsSchema = z.object({ code: EvidenceCodeInputSchema })

export const MAX_EVIDENCE_CODES_PER_REQUEST = 100
export const EvidenceCodesRequestSchema = z.object({
  count: z.number().int().min(1).max(MAX_EVIDENCE_CODES_PER_REQUEST),
})
export type EvidenceCodesRequest = z.infer<typeof EvidenceCodesRequestSchema>
export const EvidenceCodesResponseSchema = z.object({
  codes: z.array(EvidenceCodeSchema),
  /** ISO time after which the codes of this answer are no longer reserved. */
  expiresAt: z.string(),
})
export type EvidenceCodesResponse = z.infer<typeof EvidenceCodesResponseSchema>

/** tus: the `Upload-Metadata` key whose (base64) value is the EvidenceClaim JSON. */
export const EVIDENCE_METADATA_KEY = 'evidence'
/** The X-Evidence header (or the decoded tus value) may not be longer than this. */
export const MAX_EVIDENCE_HEADER_BYTES = 4096
export const MAX_EVIDENCE_LINES = 8
export const MAX_EVIDENCE_LINE_LENGTH = 200

export const TakenAtSourceSchema = z.enum(['exif', 'picked'])
export type TakenAtSource = z.infer<typeof TakenAtSourceSchema>

/** What the phone claims about a stamped photo: exactly what it burned into the pixels. */
export const EvidenceClaimSchema = z.object({
  code: EvidenceCodeSchema,
  takenAt: z.iso.datetime({ offset: true }).nullable(),
  takenAtSource: TakenAtSourceSchema.nullable(),
  place: z.string().max(MAX_EVIDENCE_LINE_LENGTH).nullable(),
  lines: z.array(z.string().max(MAX_EVIDENCE_LINE_LENGTH)).max(MAX_EVIDENCE_LINES),
})
export type EvidenceClaim = z.infer<typeof EvidenceClaimSchema>

export const EvidenceWithdrawnSchema = z.object({ at: z.string(), by: z.string() }).nullable()

/** What any holder of the code may know: the stamp's claims and what only the server can say. */
export const EvidenceFactsSchema = z.object({
  code: EvidenceCodeSchema,
  sha256: z.string(),
  receivedAt: z.string(),
  takenAt: z.string().nullable(),
  takenAtSource: TakenAtSourceSchema.nullable(),
  place: z.string().nullable(),
  lines: z.array(z.string()),
  withdrawn: EvidenceWithdrawnSchema,
})

/** `GET /api/evidence/:code`: `document`/`uploader` only for a signed-in reader of the document. */
export const EvidenceLookupResponseSchema = EvidenceFactsSchema.extend({
  document: z.object({ docId: z.string(), name: z.string() }).nullable(),
  uploader: z.object({ name: z.string() }).nullable(),
})
export type EvidenceLookupResponse = z.infer<typeof EvidenceLookupResponseSchema>

/** One entry of a document's evidence register (readers of the document only). */
export const EvidenceRecordSchema = EvidenceFactsSchema.extend({
  uploader: z.object({ name: z.string() }),
  docId: z.string(),
  resourceId: z.string(),
  /** The block holding the photo, once inserted. */
  blockId: z.string().nullable(),
  verifyUrl: z.string(),
})
export type EvidenceRecord = z.infer<typeof EvidenceRecordSchema>

export const EvidenceRegisterQuerySchema = z.object({
  cursor: z.string().max(2048).optional(),
  format: z.enum(['json', 'csv']).optional(),
})
export const EvidenceRegisterResponseSchema = z.object({
  items: z.array(EvidenceRecordSchema),
  nextCursor: z.string().nullable(),
})
export type EvidenceRegisterResponse = z.infer<typeof EvidenceRegisterResponseSchema>

// ---- JSAPI signing (dd.config; docs/dingtalk.md) -----------------------------

/** `GET /api/jsapi-config?url=`: the page URL without its `#fragment`, on the app's own origin. */
export const JsapiConfigQuerySchema = z.object({ url: z.string().min(1).max(2048) })
/** What `dd.config({agentId, corpId, timeStamp, nonceStr, signature, jsApiList})` needs. */
export const JsapiConfigResponseSchema = z.object({
  agentId: z.string(),
  corpId: z.string(),
  /** Seconds since the epoch, as signed. */
  timeStamp: z.number().int(),
  nonceStr: z.string(),
  signature: z.string(),
})
export type JsapiConfigResponse = z.infer<typeof JsapiConfigResponseSchema>
// ---- resumable uploads (tus 1.0, docs/api.md "Resumable uploads") -------------------------

/** `…/uploads/:uploadId`: `uploadId` is the last segment of the creation's `Location`. */
export const UploadParamsSchema = DocParamsSchema.extend({ uploadId: z.string().max(128) })

/**
 * The headers of a tus creation we judge ourselves: a known length (DingTalk needs the size up
 * front, so no `Upload-Defer-Length`); `Tus-Resumable` and the metadata's form are tus's to judge.
 */
export const UploadCreationHeadersSchema = z
  .object({
    'upload-length': z.string({ error: 'send Upload-Length' }).regex(/^\d{1,16}$/, 'must be a whole number of bytes'),
    'upload-defer-length': z.undefined({ error: 'uploads of unknown length are not accepted; send Upload-Length' }).optional(),
    'upload-metadata': z.string().optional(),
  })
  .loose()
