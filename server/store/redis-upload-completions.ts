/**
 * Finished resumable uploads' outcomes in Redis (REDIS_URL): `GET …/uploads/:uploadId/resource`
 * answers the same on every replica (docs/api.md), and exactly one replica sends a finished upload
 * to DingTalk — `begin` is a SET NX, so of two replicas that both see the last byte (or a poll and
 * the finishing PATCH) one wins.
 *
 * "processing" is a lease the winner renews while its transfer runs (up to `processingTtlMs`):
 * when that replica dies mid-transfer the record lapses within `leaseMs`, and the next poll, on
 * any replica, starts the transfer again from the staged bytes.
 */
import { z } from 'zod'
import { ErrorCodeSchema, ResourceResponseSchema } from '@contract/api'
import type { CompletionStateOptions, UploadCompletion, UploadCompletionState } from '../services/upload/completion-state'
import type { RedisStore } from './redis'
import { parseStoredJson } from './stored-json'
import { LOCK_RENEW } from './redis-scripts'

const SubjectSchema = z.object({ docId: z.string(), unionId: z.string(), size: z.number() })
const CompletionSchema = z.discriminatedUnion('state', [
  SubjectSchema.extend({ state: z.literal('processing'), startedAt: z.number() }),
  SubjectSchema.extend({ state: z.literal('done'), resource: ResourceResponseSchema }),
  SubjectSchema.extend({
    state: z.literal('failed'),
    failure: z.object({
      status: z.number(),
      code: ErrorCodeSchema,
      message: z.string(),
      headers: z.record(z.string(), z.string()).optional(),
    }),
  }),
])

const keyOf = (uploadId: string) => `upload-outcome:${uploadId}`

export interface RedisCompletionStateOptions extends CompletionStateOptions {
  /** A "processing" record not renewed for this long belonged to a replica that died; default 60 s. */
  leaseMs?: number
}

export function createRedisCompletionState(store: RedisStore, opts: RedisCompletionStateOptions): UploadCompletionState {
  const now = opts.now ?? Date.now
  const leaseMs = Math.min(opts.leaseMs ?? 60_000, opts.processingTtlMs)
  /** Transfers this replica runs: their "processing" record is renewed until settled. */
  const renewals = new Map<string, ReturnType<typeof setInterval>>()

  const stopRenewing = (uploadId: string) => {
    const timer = renewals.get(uploadId)
    if (timer) clearInterval(timer)
    renewals.delete(uploadId)
  }

  return {
    async get(uploadId) {
      const text = await store.run((c) => c.get(keyOf(uploadId)))
      if (text === null) return null
      return parseStoredJson(CompletionSchema, text) as UploadCompletion | null
    },
    async begin(uploadId, subject) {
      const startedAt = now()
      const value = JSON.stringify({ ...subject, state: 'processing', startedAt })
      const set = await store.run((c) => c.set(keyOf(uploadId), value, 'PX', leaseMs, 'NX'))
      if (set !== 'OK') return false
      stopRenewing(uploadId)
      const timer = setInterval(() => {
        // Past processingTtlMs the transfer counts as lost even if this replica still runs it.
        if (now() - startedAt + leaseMs > opts.processingTtlMs) return stopRenewing(uploadId)
        store.run((c) => c.eval(LOCK_RENEW, 1, keyOf(uploadId), value, String(leaseMs))).catch(() => undefined)
      }, leaseMs / 3)
      timer.unref()
      renewals.set(uploadId, timer)
      return true
    },
    async settle(uploadId, outcome) {
      stopRenewing(uploadId)
      await store.run((c) => c.set(keyOf(uploadId), JSON.stringify(outcome), 'PX', opts.ttlMs))
    },
    async forget(uploadId) {
      stopRenewing(uploadId)
      await store.run((c) => c.del(keyOf(uploadId)))
    },
  }
}
