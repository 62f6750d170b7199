/**
 * The evidence registry (docs/evidence.md#the-registry): code reservations and evidence records
 * behind one interface, kept in PostgreSQL (DATABASE_URL, ./evidence-postgres.ts) or in an
 * append-only file in DATA_DIR (./evidence-file.ts). Every method may throw the 503
 * `service_unavailable` of ./types.ts when the database cannot be reached.
 */
import type { TakenAtSource } from '@contract/api'

export interface StoredEvidence {
  code: string
  /** Hex SHA-256 of exactly the bytes relayed to DingTalk. */
  sha256: string
  /** ISO time (server clock) DingTalk had the bytes. */
  receivedAt: string
  takenAt: string | null
  takenAtSource: TakenAtSource | null
  place: string | null
  lines: string[]
  /** From the session, never from the upload. */
  uploader: { unionId: string; name: string }
  docId: string
  resourceId: string
  blockId: string | null
  withdrawn: { at: string; by: string } | null
  verifyUrl: string
}

export interface CodeReservation {
  code: string
  unionId: string
  /** Epoch ms. */
  expiresAt: number
}

export interface EvidencePage {
  items: StoredEvidence[]
  /** `receivedAt|code` of the last item when more may follow. */
  next: { receivedAt: string; code: string } | null
}

export interface EvidenceRegistry {
  readonly kind: 'file' | 'postgres'
  /** Reserves fresh codes for one person; false when one of them was already taken (try new ones). */
  reserve(codes: string[], unionId: string, expiresAt: number): Promise<boolean>
  reservation(code: string): Promise<CodeReservation | null>
  find(code: string): Promise<StoredEvidence | null>
  /** Inserts unless the code is registered already (atomically); returns what the registry holds. */
  register(record: StoredEvidence): Promise<{ created: boolean; record: StoredEvidence }>
  /** Notes the block that holds the photo, once (a later insertion of a resend does not move it). */
  setBlock(code: string, blockId: string): Promise<void>
  withdraw(code: string, withdrawn: { at: string; by: string }): Promise<StoredEvidence | null>
  /** A document's records, newest first, after `before` (exclusive). */
  listByDocument(docId: string, limit: number, before: { receivedAt: string; code: string } | null): Promise<EvidencePage>
  close(): Promise<void>
}

/** Newest first; ties (same receivedAt) by code, descending. */
export function newerFirst(a: StoredEvidence, b: StoredEvidence): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? 1 : -1
  return a.code < b.code ? 1 : a.code > b.code ? -1 : 0
}

/** Whether `r` comes after the cursor `before` in newest-first order. */
export function isAfterCursor(r: StoredEvidence, before: { receivedAt: string; code: string } | null): boolean {
  if (!before) return true
  return r.receivedAt < before.receivedAt || (r.receivedAt === before.receivedAt && r.code < before.code)
}
