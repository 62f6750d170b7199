/**
 * At most MAX_CONCURRENT_UPLOADS_PER_PERSON uploads in flight per person, across replicas. A slot
 * is leased and renewed while its upload runs, so a replica that dies frees its slots in a minute.
 */
import { AppError } from '../errors'
import type { SharedStore } from '../store/types'

const SLOT_LEASE_MS = 60_000
/** An upload slot usually frees within seconds (a phone's parallel uploads finishing). */
const SLOT_RETRY_AFTER_S = 2

/**
 * Runs `work` holding one of `max` upload slots of `unionId`.
 * @throws AppError 429 rate_limited (Retry-After) when all are taken.
 */
export async function withUploadSlot<T>(store: SharedStore, unionId: string, max: number, work: () => Promise<T>): Promise<T> {
  const key = `uploads-in-flight:${unionId}`
  const slot = await store.acquireSlot(key, max, SLOT_LEASE_MS)
  if (slot === null) {
    throw new AppError('rate_limited', {
      status: 429,
      message: `At most ${max} uploads at a time; the rest wait their turn.`,
      headers: { 'retry-after': String(SLOT_RETRY_AFTER_S) },
    })
  }
  const renewal = setInterval(() => {
    store.renewSlot(key, slot, SLOT_LEASE_MS).catch(() => undefined)
  }, SLOT_LEASE_MS / 3)
  renewal.unref()
  try {
    return await work()
  } finally {
    clearInterval(renewal)
    await store.releaseSlot(key, slot).catch(() => undefined)
  }
}
