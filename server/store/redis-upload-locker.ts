/**
 * The tus per-upload lock in Redis (REDIS_URL; docs/api.md "Resumable uploads"): one request at a
 * time works on an upload, whichever replica it reached. `@tus/server`'s own MemoryLocker only
 * sees its process, so a client that resumes on another replica after a cut connection would
 * race the request still stuck on the first one.
 *
 * - The lock is a lease, renewed while held: a replica that dies frees it within `leaseMs`.
 * - A request that finds it taken asks the holder to let go (a flag the holder sees at its next
 *   renewal, or at once when the holder is in this process); tus then ends the old request
 *   (after its drain time) and unlocks. This is tus's `requestRelease`: the newest request wins,
 *   as with a phone whose old connection is half-open and will never send another byte.
 * - A holder whose lease could not be renewed (lost, or Redis away) stops its request the same
 *   way, so two replicas never write one upload's file at once.
 * - Waiting too long, or Redis unreachable: 503 service_unavailable with Retry-After (tus clients
 *   retry 5xx), mapped into our error shape by services/upload/resumable.ts.
 */
import { randomUUID } from 'node:crypto'
import type { Lock, Locker, RequestRelease } from '@tus/server'
import { AppError } from '../errors'
import type { RedisStore } from './redis'
import { LOCK_RELEASE, UPLOAD_LOCK_RENEW, UPLOAD_LOCK_TAKE } from './redis-scripts'
import { STORE_RETRY_AFTER_S } from './types'

export interface RedisUploadLockerOptions {
  /** A holder that stops renewing (its process died) loses the lock after this; default 10 s. */
  leaseMs?: number
  /** How often a holder renews and looks for a request to let go; default 500 ms. */
  checkEveryMs?: number
  /** Longest wait for the lock before answering 503; default the lease plus 5 s (a dead holder's lease lapses first). */
  waitMs?: number
}

const lockKey = (id: string) => `upload-lock:${id}`
const wantedKey = (id: string) => `upload-lock-wanted:${id}`
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The lock could not be had in time: someone else still works on this upload. */
function uploadBusy(): AppError {
  return new AppError('service_unavailable', {
    status: 503,
    message: 'This upload is busy on another connection; try again shortly.',
    headers: { 'retry-after': String(STORE_RETRY_AFTER_S) },
  })
}

/** Creates the locker on `store`'s connection (no second connection: the holder polls for release requests). */
export function createRedisUploadLocker(store: RedisStore, opts: RedisUploadLockerOptions = {}): Locker {
  const leaseMs = opts.leaseMs ?? 10_000
  const checkEveryMs = opts.checkEveryMs ?? 500
  const waitMs = opts.waitMs ?? leaseMs + 5000
  /** Holders in this process, by upload id: a waiter here tells them at once instead of at their next check. */
  const localHolders = new Map<string, RequestRelease>()

  class RedisUploadLock implements Lock {
    private readonly holder = randomUUID()
    private renewal: ReturnType<typeof setInterval> | null = null
    private release: RequestRelease | null = null

    constructor(private readonly id: string) {}

    async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
      const started = Date.now()
      for (let delay = 10; ; delay = Math.min(delay * 2, checkEveryMs / 2)) {
        if (signal.aborted) throw uploadBusy()
        const taken = await store.run((c) =>
          c.eval(UPLOAD_LOCK_TAKE, 2, lockKey(this.id), wantedKey(this.id), this.holder, String(leaseMs), String(checkEveryMs * 4)),
        )
        if (Number(taken) === 1) break
        void localHolders.get(this.id)?.()
        if (Date.now() - started > waitMs) throw uploadBusy()
        await sleep(delay)
      }
      this.release = requestRelease
      localHolders.set(this.id, requestRelease)
      this.keepHolding(requestRelease)
    }

    async unlock(): Promise<void> {
      if (this.renewal) clearInterval(this.renewal)
      this.renewal = null
      if (this.release && localHolders.get(this.id) === this.release) localHolders.delete(this.id)
      this.release = null
      // Not reachable: the lease lapses by itself.
      await store.run((c) => c.eval(LOCK_RELEASE, 1, lockKey(this.id), this.holder)).catch(() => undefined)
    }

    /** Renews the lease; asks our own request to stop once another wants the upload or the lease is gone. */
    private keepHolding(requestRelease: RequestRelease): void {
      let asked = false
      const letGo = () => {
        if (asked) return
        asked = true
        void requestRelease()
      }
      this.renewal = setInterval(() => {
        store
          .run((c) => c.eval(UPLOAD_LOCK_RENEW, 2, lockKey(this.id), wantedKey(this.id), this.holder, String(leaseMs)))
          .then((state) => {
            if (Number(state) !== 1) letGo()
            if (Number(state) === 0 && this.renewal) clearInterval(this.renewal)
          })
          // Redis away: the lease may lapse and another replica take over, so stop writing now.
          .catch(letGo)
      }, checkEveryMs)
      this.renewal.unref()
    }
  }

  return { newLock: (id: string) => new RedisUploadLock(id) }
}
