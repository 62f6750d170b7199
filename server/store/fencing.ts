/**
 * Fencing for the per-document lock (docs/operations.md#running-several-replicas): a holder that stalled past
 * its lease (a long GC pause, a frozen VM) must not write after another replica took over. So the
 * lease is checked again before every DingTalk write, and journal writes are refused unless the
 * lock is still this holder's (atomically in Redis, see RedisStore.fencedSet).
 */
import type { DingTalkApi } from '../dingtalk/types'
import type { Lease } from './types'

/** DingTalk calls that change a document. */
const DINGTALK_WRITES = new Set<keyof DingTalkApi>(['insertBlock', 'appendParagraphElement'])

/** `dingtalk` with the lease checked before each document write. */
export function fencedDingTalk(dingtalk: DingTalkApi, lease: Lease): DingTalkApi {
  return new Proxy(dingtalk, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (typeof value !== 'function' || !DINGTALK_WRITES.has(name as keyof DingTalkApi)) return value
      return async (...args: unknown[]) => {
        await lease.check()
        return Reflect.apply(value, target, args)
      }
    },
  })
}

/** A journal that can bind its writes to a lease (the Redis journal does so atomically). */
export interface FenceableJournal<J> {
  withLease(lease: Lease): J
}

function isFenceable<J>(journal: J): journal is J & FenceableJournal<J> {
  return typeof journal === 'object' && journal !== null && typeof Reflect.get(journal, 'withLease') === 'function'
}

/**
 * `journal` whose writes carry the lease: natively when it supports it, otherwise (one process,
 * files) by checking the lease before each write — there nobody else can take the lock anyway.
 */
export function fencedJournal<J extends object>(journal: J, lease: Lease): J {
  if (isFenceable(journal)) return journal.withLease(lease)
  return new Proxy(journal, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (typeof value !== 'function' || typeof name !== 'string' || !/^(mark|put)/.test(name)) return value
      return async (...args: unknown[]) => {
        await lease.check()
        return Reflect.apply(value, target, args)
      }
    },
  })
}
