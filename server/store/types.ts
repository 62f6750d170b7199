/**
 * Shared state behind one interface (docs/operations.md#running-several-replicas): `local` keeps it in this
 * process (one replica, today's behaviour), `redis` keeps it in Redis so every replica of one
 * deployment sees the same limits, revocations, locks, budget and token. Chosen by `REDIS_URL`.
 */
import { AppError } from '../errors'

/** What a store is built on; `GET /api/health` reports it. */
export type StoreKind = 'local' | 'redis'

/** Seconds the browser waits before retrying while the shared store is unreachable. */
export const STORE_RETRY_AFTER_S = 2

/** The shared store could not be reached (or answered too late): the request answers 503. */
export function storeUnavailable(): AppError {
  return new AppError('service_unavailable', {
    status: 503,
    message: 'The service is briefly unavailable; try again shortly.',
    headers: { 'retry-after': String(STORE_RETRY_AFTER_S) },
  })
}

/** Proof of holding a document's lock. */
export interface Lease {
  /** Grows with every grant of this document's lock: a later holder always has a larger one. */
  readonly fence: number
  /** The lock's key and this grant's holder id: fenced writes (Redis) check them atomically. */
  readonly lockKey: string
  readonly holder: string
  /**
   * Resolves while the lock is still ours; rejects (503) once the lease lapsed or another holder
   * took over. Called before every DingTalk write, so a holder that stalled past its lease stops.
   */
  check(): Promise<void>
}

export interface SharedStore {
  readonly kind: StoreKind
  /** Whether the store answered the last time it was asked (always true for `local`). */
  isReachable(): boolean
  /** Asks the store now; false when it does not answer in time. */
  ping(): Promise<boolean>

  /** Counts one hit in a fixed window of `windowMs` for `key`: the count so far and ms until the window ends. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>

  /** Takes one of `max` slots for `key` (held until released or `leaseMs` passed); null when all are taken. */
  acquireSlot(key: string, max: number, leaseMs: number): Promise<string | null>
  /** Extends a slot's lease (its holder is still working). */
  renewSlot(key: string, slot: string, leaseMs: number): Promise<void>
  /** Gives a slot back. */
  releaseSlot(key: string, slot: string): Promise<void>

  /**
   * Holds `amount` under `key` for `holder` for `ttlMs`, unless the holdings still in force (this
   * holder's earlier one aside) plus `amount` would pass `max`; false then.
   */
  holdQuota(key: string, holder: string, amount: number, max: number, ttlMs: number): Promise<boolean>
  /** Gives back what `holder` holds under `key` (nothing when it holds nothing). */
  releaseQuota(key: string, holder: string): Promise<void>

  /** Remembers that the session `id` was ended, until `untilMs` (epoch ms). */
  revoke(id: string, untilMs: number): Promise<void>
  isRevoked(id: string): Promise<boolean>

  /**
   * Takes one token from the bucket `key` (refilled at `ratePerSecond`, holding at most `burst`)
   * and returns how many ms the caller must wait before using it; the balance may go negative,
   * so concurrent callers (on any replica) get consecutive slots.
   */
  reserve(key: string, ratePerSecond: number, burst: number): Promise<number>

  /** A small value kept for `ttlMs`. */
  getValue(key: string): Promise<string | null>
  setValue(key: string, value: string, ttlMs: number): Promise<void>
  /** Sets `key` to `value` unless it is set; returns null when set now, else the value already there. */
  claim(key: string, value: string, ttlMs: number): Promise<string | null>

  /**
   * Runs `work` holding `key`'s lock; other callers (on any replica) wait. The lease is renewed
   * while `work` runs and lapses after `leaseMs` if this process dies.
   */
  withLock<T>(key: string, work: (lease: Lease) => Promise<T>): Promise<T>

  close(): Promise<void>
}
