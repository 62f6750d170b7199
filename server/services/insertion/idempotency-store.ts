/**
 * Remembers the outcome of insertions per (person, document, Idempotency-Key) so that a repeated
 * request returns the first result, concurrent duplicates wait for the first instead of inserting
 * twice, and a key reused with another body is refused. In memory only: what must survive a
 * restart (started or finished attempts) is in the insertion journal (insertion-journal.ts).
 */
import { AppError } from '../../errors'

/** How long a finished result is replayed. Matches the resource-token lifetime. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000
/** Bound on remembered results; the oldest are forgotten first (the insertion journal still has them). */
export const IDEMPOTENCY_MAX_ENTRIES = 10_000

type Entry<T> =
  { state: 'pending'; fingerprint: string; promise: Promise<T> } | { state: 'done'; fingerprint: string; result: T; expiresAt: number }

export interface IdempotencyStoreOptions {
  now?: () => number
  ttlMs?: number
  maxEntries?: number
}

/** A per-process store of insertion outcomes keyed by (unionId, docId, Idempotency-Key). */
export class IdempotencyStore<T> {
  private readonly entries = new Map<string, Entry<T>>()
  private readonly now: () => number
  private readonly ttlMs: number
  private readonly maxEntries: number

  constructor(opts: IdempotencyStoreOptions = {}) {
    this.now = opts.now ?? Date.now
    this.ttlMs = opts.ttlMs ?? IDEMPOTENCY_TTL_MS
    this.maxEntries = opts.maxEntries ?? IDEMPOTENCY_MAX_ENTRIES
  }

  /**
   * Runs `work` once per key: a finished result is replayed (`replayed: true`); while the first
   * run is in flight, duplicates share its outcome. A failure is not remembered, so a retry with
   * the same key runs `work` again. The same key with a different `fingerprint` (another
   * request body) is refused with `400 invalid_request`.
   */
  async run(
    scope: { unionId: string; docId: string; key: string },
    fingerprint: string,
    work: () => Promise<T>,
  ): Promise<{ result: T; replayed: boolean }> {
    const id = JSON.stringify([scope.unionId, scope.docId, scope.key])
    const existing = this.entries.get(id)
    if (existing && existing.state === 'done' && existing.expiresAt <= this.now()) this.entries.delete(id)
    const current = this.entries.get(id)
    if (current) {
      if (current.fingerprint !== fingerprint) {
        throw new AppError('invalid_request', {
          status: 400,
          message: 'This Idempotency-Key was already used for a different request; use a new key for new content.',
        })
      }
      if (current.state === 'done') return { result: current.result, replayed: true }
      return { result: await current.promise, replayed: true }
    }

    const promise = work()
    this.entries.set(id, { state: 'pending', fingerprint, promise })
    try {
      const result = await promise
      this.entries.set(id, { state: 'done', fingerprint, result, expiresAt: this.now() + this.ttlMs })
      this.evict()
      return { result, replayed: false }
    } catch (err) {
      this.entries.delete(id)
      throw err
    }
  }

  private evict(): void {
    // Map iteration is insertion order, so the first keys are the oldest.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break
      if (this.entries.get(key)?.state === 'done') this.entries.delete(key)
    }
  }
}
