/**
 * The evidence stage of the queue (docs/evidence.md#the-h5-side): a photo picked with "stamp as
 * evidence" on is prepared as usual, its prepared (unstamped) bytes are kept until it is inserted,
 * and the stamp is drawn with a code from the device's pool before the hash. With an empty pool the
 * photo waits unstamped and is stamped once codes arrive. A code the server refuses (403
 * `evidence_code_not_issued`, 409 `evidence_code_used`) is replaced: a fresh code, a new stamp from
 * the kept photo, without asking the person.
 */
import type { StampRequest } from '@/media/stamp-photo'
import type { CodePool } from './evidence-codes'
import { evidenceClaim, stampTime, type StampWords } from './evidence-lines'
import type { QueueItem } from './queue-item'
import type { QueueStorage } from './persistence/queue-storage'

/** The answers after which the same bytes can never register: a new code and stamp are needed. */
export const RESTAMP_CODES: ReadonlySet<string> = new Set(['evidence_code_not_issued', 'evidence_code_used'])

/** What gets stamped: photos the canvas re-encodes. GIF (animation) and files go unchanged. */
const STAMPABLE = new Set(['image/jpeg', 'image/png', 'image/webp'])

export interface StampContext {
  documentName: string
  personName: string
  /** Where the verify page lives: `<origin>/v/<code>`. */
  origin: string
}

export interface EvidenceStageDeps {
  find(id: string): QueueItem | undefined
  pool: CodePool
  storage: QueueStorage
  persist(): Promise<void>
  /** Draws the stamp (the photo worker, or the main thread); tests without a canvas fake it. */
  stamper(request: StampRequest): Promise<Blob>
  context(): StampContext
  words(): StampWords
  quality: number
}

const preparedKey = (id: string) => `${id}.prepared`

export function createEvidenceStage(deps: EvidenceStageDeps) {
  /** Prepared, unstamped photos by item id (also in IndexedDB, for a re-stamp after a reload). */
  const prepared = new Map<string, Blob>()

  /** Whether this prepared result of a stamped pick is a photo that gets the stamp. */
  function wants(item: QueueItem, result: { kind: 'image' | 'file'; mediaType: string }): boolean {
    if (!item.evidence) return false
    if (result.kind === 'image' && STAMPABLE.has(result.mediaType)) return true
    item.evidence = null // a file, a GIF: sent as they are, with no claim
    return false
  }

  async function keep(id: string, blob: Blob): Promise<void> {
    prepared.set(id, blob)
    await deps.storage.saveBlob(preparedKey(id), blob).catch(() => undefined)
  }

  async function render(id: string, code: string): Promise<Blob> {
    const item = deps.find(id)
    const blob = prepared.get(id) ?? (await deps.storage.loadBlob(preparedKey(id)))
    if (!item?.evidence || !blob) throw new Error(`evidence: nothing to stamp for ${id}`)
    prepared.set(id, blob)
    const context = deps.context()
    const verifyUrl = `${context.origin}/v/${code}`
    const claim = evidenceClaim(deps.words(), {
      time: stampTime(item.takenAt, item.evidence.pickedAt),
      place: item.evidence.place,
      documentName: context.documentName,
      personName: context.personName,
      code,
      verifyUrl,
    })
    const stamped = await deps.stamper({ blob, stamp: { lines: claim.lines, verifyUrl }, quality: deps.quality })
    const current = deps.find(id)
    if (!current?.evidence) throw new Error(`evidence: ${id} was removed while stamping`)
    current.evidence.claim = claim
    current.evidence.waiting = false
    return stamped
  }

  return {
    wants,
    keep,
    /** Stamps with a code from the pool now; null when the pool is empty (call `stampWhenCodes`). */
    async stampNow(id: string): Promise<Blob | null> {
      const code = await deps.pool.take()
      return code ? render(id, code) : null
    },
    /** Marks the item as waiting for codes and stamps it once one arrives. */
    async stampWhenCodes(id: string): Promise<Blob> {
      const item = deps.find(id)
      if (item?.evidence) item.evidence.waiting = true
      await deps.persist()
      return render(id, await deps.pool.next())
    },
    /** A fresh code and a new stamp from the kept prepared photo (after a 403/409 on the code). */
    async restamp(id: string): Promise<Blob> {
      return render(id, await deps.pool.next())
    },
    /** Forgets an item's kept photo (removed, or inserted). */
    forget(id: string): void {
      prepared.delete(id)
      void deps.storage.deleteBlob(preparedKey(id)).catch(() => undefined)
    },
    clear: () => prepared.clear(),
  }
}

export type EvidenceStage = ReturnType<typeof createEvidenceStage>
