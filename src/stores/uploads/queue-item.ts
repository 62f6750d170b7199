/**
 * One entry of the upload queue and the only way its status changes.
 *
 * Status: preparing → ready → uploading → uploaded → inserting → inserted, or failed (with a
 * reason; retryable ones offer retry). `setStatus` refuses any other step, so a bug that would
 * (say) upload an inserted item again fails loudly in tests instead of quietly in the field.
 */
import type { EvidenceClaim, InsertionRequest, Layout, Position, ResourceResponse } from '@contract/api'
import { ApiError, isRetryable } from '@/api/http'
import type { Mark } from '@/media/marks'
import type { PrepareNotice } from '@/media/prepare-file'
import type { TakenAt } from '@/media/taken-at'
import { newId } from '@/lib/ids'

export type ItemStatus = 'preparing' | 'ready' | 'uploading' | 'uploaded' | 'inserting' | 'inserted' | 'failed'

/**
 * Why an item failed: a server or client error code (translated under `errors.`) or one of the
 * queue's own codes (translated under `upload.errors.`): too_large, too_many, type_not_accepted,
 * interrupted (its bytes were lost with the page before they were saved), prepare_failed.
 */
export interface ItemError {
  code: string
  /** Values for the message, e.g. { max: '20 MB' }. */
  params?: Record<string, string | number>
  /** Whether retrying can help (network, 5xx, 429); validation failures cannot. */
  retryable: boolean
}

export interface QueueItem {
  id: string
  /** The name as picked (what the person recognises; tests find items by it). */
  pickedName: string
  /** The name it is uploaded under: extension matching the prepared bytes (IMG_1.HEIC → IMG_1.jpg). */
  name: string
  kind: 'image' | 'file'
  mediaType: string
  /** Bytes to upload (after preparation); 0 while preparing. */
  size: number
  /** Bytes as picked. */
  originalSize: number
  caption: string
  /** Picked with "original" on: prepared without re-encoding. */
  original: boolean
  status: ItemStatus
  /** Upload progress 0–1. */
  progress: number
  error: ItemError | null
  notice: PrepareNotice | null
  /** The server's answer to the upload: its resourceToken is what the insertion needs. */
  resource: ResourceResponse | null
  /** Upload attempts made so far (for the current try). */
  attempts: number
  /** Set once the item is in the document. */
  blockId: string | null
  /** SHA-256 (hex) of the prepared bytes: sent with the upload, compared to flag the same content twice. */
  sha256?: string | null
  /** When the photo was taken (from the original's EXIF), for the optional caption line. */
  takenAt?: TakenAt | null
  /** Repeats an earlier item's content, and the person chose to keep both. */
  keepDuplicate?: boolean
  /** Already in the document (the upload answered `duplicateOf`), and the person chose to attach it again. */
  attachAgain?: boolean
  /** Marks drawn on the photo (issue 17), composed into the sent bytes (composing.ts). */
  marks?: Mark[]
  /** Picked with "stamp as evidence" on (evidence-stage.ts); null for files and unstamped photos. */
  evidence?: ItemEvidence | null
}

export interface ItemEvidence {
  /** When it was picked (ms since the epoch): the stamp's time when the photo recorded none. */
  pickedAt: number
  /** The batch's place text when "place" was on at the pick. */
  place: string | null
  /** What the stamped bytes claim (sent as X-Evidence); null until stamped. */
  claim: EvidenceClaim | null
  /** Prepared while the device had no codes: waits unstamped until codes arrive. */
  waiting: boolean
}

export interface TargetDocument {
  docId: string
  name: string
  url: string
}

/** The insertion in flight or last tried: its key and exact body are reused on every retry. */
export interface PendingInsertion {
  idempotencyKey: string
  body: InsertionRequest
  itemIds: string[]
  /**
   * A request with this key may have left (saved before it goes out). Every later send, also after a
   * reload, carries `Idempotency-Retry: true`. Queues saved before this was recorded count as sent.
   */
  sentOnce: boolean
}

export interface Batch {
  document: TargetDocument | null
  position: Position
  layout: Layout
  /** The person pressed send. */
  submitted: boolean
  insertion: PendingInsertion | null
  /** Set when the batch is finished (all inserted, or some failed for good). */
  receipt: { documentUrl: string } | null
  /** Stale resource tokens were already replaced once by uploading again (never loops). */
  tokensRenewed: boolean
  /** When the first item was picked (epoch ms); null while empty or when unknown (saved by an older version). */
  startedAt: number | null
}

export function emptyBatch(): Batch {
  return {
    document: null,
    position: { where: 'end' },
    layout: 'separate',
    submitted: false,
    insertion: null,
    receipt: null,
    tokensRenewed: false,
    startedAt: null,
  }
}

/** A file just picked, waiting to be prepared. */
export function newQueueItem(file: File, original: boolean): QueueItem {
  return {
    id: newId(),
    pickedName: file.name,
    name: file.name || 'file',
    kind: file.type.startsWith('image/') ? 'image' : 'file',
    mediaType: file.type,
    size: 0,
    originalSize: file.size,
    caption: '',
    original,
    status: 'preparing',
    progress: 0,
    error: null,
    notice: null,
    resource: null,
    attempts: 0,
    blockId: null,
  }
}

/**
 * The legal steps. Besides the happy path: a reload puts interrupted work back a step (uploading →
 * ready, or → preparing when only the picked file was saved; inserting → uploaded); stale resource
 * tokens send uploaded items back to ready; retry sends failed items back to ready (upload), to
 * inserting (the same insertion sent again) or to uploaded (an item the server could not vouch was
 * in, `insertion_uncertain`, which the person chose to insert again as a new batch). Staying in a status (e.g. failed with a new reason) is
 * always allowed; nothing leaves inserted.
 */
const NEXT: Record<ItemStatus, readonly ItemStatus[]> = {
  preparing: ['ready', 'failed'],
  ready: ['uploading', 'preparing', 'failed'],
  uploading: ['uploaded', 'ready', 'preparing', 'failed'],
  uploaded: ['inserting', 'ready', 'failed'],
  inserting: ['inserted', 'uploaded', 'ready', 'failed'],
  inserted: [],
  failed: ['ready', 'inserting', 'uploaded', 'failed'],
}

export function canMoveTo(from: ItemStatus, to: ItemStatus): boolean {
  return from === to || NEXT[from].includes(to)
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: ItemStatus,
    readonly to: ItemStatus,
  ) {
    super(`upload queue: an item cannot go from ${from} to ${to}`)
  }
}

type ItemChanges = Partial<Omit<QueueItem, 'id' | 'status'>>

/** Moves `item` to `status` with the fields that go with it (e.g. the error of a failure). */
export function setStatus(item: QueueItem, status: ItemStatus, changes: ItemChanges = {}): void {
  if (!canMoveTo(item.status, status)) throw new IllegalTransitionError(item.status, status)
  Object.assign(item, changes)
  item.status = status
}

/** Still on its way up: being prepared, waiting for the uplink, or being sent. */
export function isOnItsWay(item: QueueItem): boolean {
  return item.status === 'preparing' || item.status === 'ready' || item.status === 'uploading'
}

/** Server answers about the bytes themselves: sending the same bytes again cannot help. */
const PERMANENT_CODES = new Set(['unsupported_type', 'file_too_large', 'payload_too_large', 'length_required'])

/**
 * An item's failure. `retryable` means a manual retry is offered: anything but a refusal of the
 * bytes themselves (a session that ended, a permission granted later, a network that came back).
 */
export function toItemError(err: unknown): ItemError {
  const code = err instanceof ApiError ? err.code : 'unknown'
  return { code, retryable: isRetryable(err) || !PERMANENT_CODES.has(code) }
}
