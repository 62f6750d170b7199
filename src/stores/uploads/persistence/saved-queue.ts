/**
 * The saved queue's format, one schema per version, and the migrations between them.
 *
 * What IndexedDB hands back is outside data (written by an older or newer build of the app, or
 * mangled by the browser), so it is parsed, never cast. A record of an older version is migrated
 * step by step to the current one: a person's pending photos survive an app update. A record this
 * build cannot read (a newer version after a rollback, or one that fails to parse) is kept as it
 * is, and the caller is told so; it is never deleted here.
 *
 * To change the format: add `SavedQueueV<n+1>Schema`, a `v<n>ToV<n+1>` migration, a `case` in
 * `readSavedQueue`, and a test that starts from a record of version n exactly as it was written.
 */
import { z } from 'zod'
import { EvidenceClaimSchema, InsertionRequestSchema, LayoutSchema, PositionSchema, ResourceResponseSchema } from '@contract/api'
import { MarkSchema } from '@/media/marks'
import type { Batch, QueueItem } from '../queue-item'

export const CURRENT_VERSION = 2

/**
 * Values for an error message ({ max: '20 MB' }). Checked by hand: z.record would pull ~1 KB (gzip)
 * of zod into the first screen's bundle, where zod already lives for the API's schemas.
 */
function isMessageParams(value: unknown): value is Record<string, string | number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return Object.values(value).every((v) => typeof v === 'string' || typeof v === 'number')
}

const ItemStatusSchema = z.enum(['preparing', 'ready', 'uploading', 'uploaded', 'inserting', 'inserted', 'failed'])

const SavedItemSchema = z.object({
  id: z.string(),
  pickedName: z.string(),
  name: z.string(),
  kind: z.enum(['image', 'file']),
  mediaType: z.string(),
  size: z.number(),
  originalSize: z.number(),
  caption: z.string(),
  original: z.boolean(),
  status: ItemStatusSchema,
  progress: z.number(),
  error: z
    .object({
      code: z.string(),
      params: z.custom<Record<string, string | number>>(isMessageParams).optional(),
      retryable: z.boolean(),
    })
    .nullable(),
  notice: z.enum(['heic_as_file', 'not_compressed']).nullable(),
  resource: ResourceResponseSchema.nullable(),
  attempts: z.number(),
  blockId: z.string().nullable(),
  // Added without a version bump: optional, so queues saved before them read as they were.
  sha256: z.string().nullable().optional(),
  takenAt: z
    .object({
      year: z.number(),
      month: z.number(),
      day: z.number(),
      hour: z.number(),
      minute: z.number(),
      offsetMinutes: z.number().nullable(),
    })
    .nullable()
    .optional(),
  keepDuplicate: z.boolean().optional(),
  attachAgain: z.boolean().optional(),
  evidence: z
    .object({ pickedAt: z.number(), place: z.string().nullable(), claim: EvidenceClaimSchema.nullable(), waiting: z.boolean() })
    .nullable()
    .optional(),
  marks: z.array(MarkSchema).optional(),
})

const TargetDocumentSchema = z.object({ docId: z.string(), name: z.string(), url: z.string() })

function batchSchema<I extends z.ZodType>(insertion: I) {
  return z.object({
    document: TargetDocumentSchema.nullable(),
    position: PositionSchema,
    layout: LayoutSchema,
    submitted: z.boolean(),
    insertion: insertion.nullable(),
    receipt: z.object({ documentUrl: z.string() }).nullable(),
    tokensRenewed: z.boolean(),
  })
}

const InsertionV1Schema = z.object({
  idempotencyKey: z.string(),
  body: InsertionRequestSchema,
  itemIds: z.array(z.string()),
  /** Added late in version 1: absent in the earliest saved queues. */
  sentOnce: z.boolean().optional(),
})

/** Version 1: the format of the first release. */
export const SavedQueueV1Schema = z.object({
  version: z.literal(1),
  /** userId of the person the queue belongs to (a shared device must not hand it to someone else). */
  owner: z.string().nullable(),
  items: z.array(SavedItemSchema),
  batch: batchSchema(InsertionV1Schema),
  original: z.boolean(),
})
export type SavedQueueV1 = z.infer<typeof SavedQueueV1Schema>

/**
 * Version 2: `sentOnce` is always recorded, so "was this key ever sent?" has one answer, written
 * down, instead of an absent field that meant "yes".
 */
export const SavedQueueV2Schema = SavedQueueV1Schema.extend({
  version: z.literal(2),
  batch: batchSchema(InsertionV1Schema.extend({ sentOnce: z.boolean() })),
})
export type SavedQueueV2 = z.infer<typeof SavedQueueV2Schema>

/** The current format, as the store saves it. */
export type SavedQueue = SavedQueueV2

// The parsed record must be usable as the store's state without casts.
const fitsTheStore: (q: SavedQueue) => { items: QueueItem[]; batch: Batch } = (q) => q
void fitsTheStore

/** A v1 insertion without `sentOnce` may have left before the page died: it counts as sent. */
export function v1ToV2(v1: SavedQueueV1): SavedQueueV2 {
  const insertion = v1.batch.insertion
  return {
    ...v1,
    version: 2,
    batch: { ...v1.batch, insertion: insertion ? { ...insertion, sentOnce: insertion.sentOnce ?? true } : null },
  }
}

export type SavedQueueReading =
  | { kind: 'empty' }
  | { kind: 'restored'; queue: SavedQueue; fromVersion: number }
  /** Not readable by this build: left untouched where it is. */
  | { kind: 'kept'; reason: 'newer_version' | 'unreadable'; version: unknown }

function versionOf(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null && 'version' in raw ? raw.version : undefined
}

/** Parses a saved queue of any version this build knows and migrates it to the current format. */
export function readSavedQueue(raw: unknown): SavedQueueReading {
  if (raw === null || raw === undefined) return { kind: 'empty' }
  const version = versionOf(raw)
  const kept = (reason: 'newer_version' | 'unreadable') => ({ kind: 'kept', reason, version }) as const
  switch (version) {
    case 1: {
      const parsed = SavedQueueV1Schema.safeParse(raw)
      return parsed.success ? { kind: 'restored', queue: v1ToV2(parsed.data), fromVersion: 1 } : kept('unreadable')
    }
    case 2: {
      const parsed = SavedQueueV2Schema.safeParse(raw)
      return parsed.success ? { kind: 'restored', queue: parsed.data, fromVersion: 2 } : kept('unreadable')
    }
    default:
      return typeof version === 'number' && version > CURRENT_VERSION ? kept('newer_version') : kept('unreadable')
  }
}
