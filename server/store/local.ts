/**
 * The single-process store: everything in this process's memory (`REDIS_URL` unset). Correct for
 * one replica; several replicas need the Redis store, since none of this is shared.
 */
import { randomUUID } from 'node:crypto'
import { createMemoryRevocations, type Revocations } from './local-revocations'
import type { Lease, SharedStore } from './types'

export interface LocalStoreOptions {
  now?: () => number
  /** Where signed-out sessions are kept (server.ts: a file in DATA_DIR, local-revocations.ts); default this process's memory. */
  revocations?: Revocations
}

/** Entries beyond this are swept of expired ones before growing further. */
const SWEEP_AT = 10_000

/** Creates the in-process store. */
export function createLocalStore(opts: LocalStoreOptions = {}): SharedStore {
  const now = opts.now ?? Date.now
  const windows = new Map<string, { count: number; endsAt: number }>()
  const slots = new Map<string, Map<string, number>>()
  const quotas = new Map<string, Map<string, { amount: number; until: number }>>()
  const revocations = opts.revocations ?? createMemoryRevocations(now)
  const buckets = new Map<string, { tokens: number; at: number }>()
  const values = new Map<string, { value: string; until: number }>()
  const lockTails = new Map<string, Promise<unknown>>()
  const fences = new Map<string, number>()

  const sweep = <V>(map: Map<string, V>, expired: (v: V) => boolean) => {
    if (map.size < SWEEP_AT) return
    for (const [key, value] of map) if (expired(value)) map.delete(key)
  }
  const liveValue = (key: string) => {
    const entry = values.get(key)
    if (entry && entry.until > now()) return entry.value
    values.delete(key)
    return null
  }

  return {
    kind: 'local',
    isReachable: () => true,
    ping: async () => true,

    async hit(key, windowMs) {
      const at = now()
      sweep(windows, (w) => w.endsAt <= at)
      let window = windows.get(key)
      if (!window || window.endsAt <= at) {
        window = { count: 0, endsAt: at + windowMs }
        windows.set(key, window)
      }
      window.count += 1
      return { count: window.count, resetMs: window.endsAt - at }
    },

    async acquireSlot(key, max, leaseMs) {
      const at = now()
      const held = slots.get(key) ?? new Map<string, number>()
      for (const [slot, until] of held) if (until <= at) held.delete(slot)
      if (held.size >= max) return null
      const slot = randomUUID()
      held.set(slot, at + leaseMs)
      slots.set(key, held)
      return slot
    },
    async renewSlot(key, slot, leaseMs) {
      const held = slots.get(key)
      if (held?.has(slot)) held.set(slot, now() + leaseMs)
    },
    async releaseSlot(key, slot) {
      const held = slots.get(key)
      held?.delete(slot)
      if (held?.size === 0) slots.delete(key)
    },

    async holdQuota(key, holder, amount, max, ttlMs) {
      const at = now()
      const held = quotas.get(key) ?? new Map<string, { amount: number; until: number }>()
      let total = 0
      for (const [id, h] of held) {
        if (h.until <= at) held.delete(id)
        else if (id !== holder) total += h.amount
      }
      if (total + amount > max) return false
      held.set(holder, { amount, until: at + ttlMs })
      quotas.set(key, held)
      return true
    },
    async releaseQuota(key, holder) {
      const held = quotas.get(key)
      held?.delete(holder)
      if (held?.size === 0) quotas.delete(key)
    },

    revoke: (id, untilMs) => revocations.revoke(id, untilMs),
    isRevoked: (id) => revocations.isRevoked(id),

    async reserve(key, ratePerSecond, burst) {
      const at = now()
      const bucket = buckets.get(key) ?? { tokens: burst, at }
      bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * ratePerSecond) - 1
      bucket.at = at
      buckets.set(key, bucket)
      return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens / ratePerSecond) * 1000)
    },

    getValue: async (key) => liveValue(key),
    async setValue(key, value, ttlMs) {
      sweep(values, (v) => v.until <= now())
      values.set(key, { value, until: now() + ttlMs })
    },
    async claim(key, value, ttlMs) {
      const existing = liveValue(key)
      if (existing !== null) return existing
      values.set(key, { value, until: now() + ttlMs })
      return null
    },

    // One process: a promise chain per key serialises; nobody else can take the lock over.
    async withLock(key, work) {
      const previous = lockTails.get(key) ?? Promise.resolve()
      const run = () => {
        const fence = (fences.get(key) ?? 0) + 1
        fences.set(key, fence)
        const lease: Lease = { fence, lockKey: key, holder: String(fence), check: async () => undefined }
        return work(lease)
      }
      const current = previous.then(run, run)
      const tail = current.catch(() => undefined)
      lockTails.set(key, tail)
      try {
        return await current
      } finally {
        if (lockTails.get(key) === tail) lockTails.delete(key)
      }
    },

    close: async () => undefined,
  }
}
