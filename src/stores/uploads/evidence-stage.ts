/**
 * The evidence stage of the queue (docs/evidence.md#the-h5-side): a photo picked with "stamp as
 * evidence" on gets a code from the device's pool and the claim whose lines are stamped; the compose
 * stage (composing.ts) then draws the stamp into the prepared photo before the hash, and keeps the
 * prepared photo until the item is inserted. With an empty pool the photo waits unstamped and gets
 * its code once codes arrive. A code the server refuses (403 `evidence_code_not_issued`, 409
 * `evidence_code_used`) is replaced by a fresh one, without asking the person.
 */
import { composable } from '@/media/compose-photo'
import type { CodePool } from './evidence-codes'
import { evidenceClaim, stampTime, type StampWords } from './evidence-lines'
import type { QueueItem } from './queue-item'

/** The answers after which the same bytes can never register: a new code and stamp are needed. */
export const RESTAMP_CODES: ReadonlySet<string> = new Set(['evidence_code_not_issued', 'evidence_code_used'])

export interface StampContext {
  documentName: string
  personName: string
  /** Where the verify page lives: `<origin>/v/<code>`. */
  origin: string
}

export interface EvidenceStageDeps {
  find(id: string): QueueItem | undefined
  pool: CodePool
  persist(): Promise<void>
  context(): StampContext
  words(): StampWords
}

export function createEvidenceStage(deps: EvidenceStageDeps) {
  /** Gives the item `code` and the claim (lines) its stamp shows. */
  function claim(id: string, code: string): void {
    const item = deps.find(id)
    if (!item?.evidence) throw new Error(`evidence: ${id} is gone or not stamped`)
    const context = deps.context()
    item.evidence.claim = evidenceClaim(deps.words(), {
      time: stampTime(item.takenAt, item.evidence.pickedAt),
      place: item.evidence.place,
      documentName: context.documentName,
      personName: context.personName,
      code,
      verifyUrl: `${context.origin}/v/${code}`,
    })
    item.evidence.waiting = false
  }

  return {
    /** Whether this prepared result of a stamped pick gets the stamp: photos the canvas re-encodes, not files or GIFs. */
    wants(item: QueueItem, result: { kind: 'image' | 'file'; mediaType: string }): boolean {
      if (!item.evidence) return false
      if (result.kind === 'image' && composable(result.mediaType)) return true
      item.evidence = null // sent as it is, with no claim
      return false
    },
    /** A code from the pool now; false when the pool is empty (then `claimWhenCodes`). */
    async claimNow(id: string): Promise<boolean> {
      const code = await deps.pool.take()
      if (code) claim(id, code)
      return code !== null
    },
    /** Marks the item as waiting for codes, and claims once one arrives. */
    async claimWhenCodes(id: string): Promise<void> {
      const item = deps.find(id)
      if (item?.evidence) item.evidence.waiting = true
      await deps.persist()
      claim(id, await deps.pool.next())
    },
    /** A fresh code after the server refused one (the caller composes again). */
    async reclaim(id: string): Promise<void> {
      claim(id, await deps.pool.next())
    },
  }
}

export type EvidenceStage = ReturnType<typeof createEvidenceStage>
