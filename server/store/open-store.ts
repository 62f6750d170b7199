/**
 * Picks the shared store by REDIS_URL (docs/api.md "Health and configuration"): without it, this process keeps
 * everything (memory and the file journal in DATA_DIR); with it, Redis holds what replicas share.
 */
import type { InsertionJournal } from '../services/insertion/insertion-journal'
import type { DingTalkClientConfig } from '../dingtalk/client'
import { createSharedDingTalkLimiter, sharedTokenCache } from './dingtalk-budget'
import { createLocalStore } from './local'
import { createRedisStore } from './redis'
import { createRedisInsertionJournal, importLocalJournal, type RedisInsertionJournal } from './redis-journal'
import type { Lease, SharedStore } from './types'
import type { Locker } from '@tus/server'
import { OUTCOME_TTL_MS, PROCESSING_TTL_MS, type UploadCompletionState } from '../services/upload/completion-state'
import type { DuplicateIndex } from '../services/upload/duplicate-index'
import { importLocalDuplicates } from './local-duplicate-index'
import { importLocalRevocations, type Revocations } from './local-revocations'
import { createRedisDuplicateIndex } from './redis-duplicate-index'
import { createRedisCompletionState } from './redis-upload-completions'
import { createRedisUploadLocker } from './redis-upload-locker'

/**
 * DingTalk allows 20 requests/s per app and API. The replicas share 17/s with a burst of 1: at
 * most 18 start in any second, leaving room for the jitter between starting a call and DingTalk
 * receiving it.
 */
const DINGTALK_RATE = { requestsPerSecond: 17, burst: 1 }
const IMPORT_RETRY_MS = 1000

export interface OpenedStore {
  store: SharedStore
  journal: InsertionJournal
  /** Client options that make DingTalk's budget and app token shared (none for `local`). */
  dingtalkOptions(appKey: string): Pick<DingTalkClientConfig, 'limiter' | 'tokenCache'>
  /** Resumable uploads' per-upload lock and outcomes, shared by the replicas (empty for `local`: the app's in-process defaults). */
  resumable: { locker?: Locker; completions?: UploadCompletionState }
  /** What went into each document, shared by the replicas; null for `local` (server.ts keeps it in DATA_DIR). */
  duplicateIndex: DuplicateIndex | null
  close(): Promise<void>
}

interface Logger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export function openStore(opts: {
  redisUrl: string | null
  localJournal: InsertionJournal
  /** Without Redis: the signed-out sessions kept in DATA_DIR (server.ts opens them). */
  localRevocations?: Revocations
  dataDir: string
  duplicateWindowMs: number
  logger: Logger
}): OpenedStore {
  if (!opts.redisUrl) {
    const store = createLocalStore(opts.localRevocations ? { revocations: opts.localRevocations } : {})
    return {
      store,
      journal: opts.localJournal,
      dingtalkOptions: () => ({}),
      resumable: {},
      duplicateIndex: null,
      close: () => store.close(),
    }
  }
  const store = createRedisStore({ url: opts.redisUrl, logger: opts.logger })
  const redisJournal = createRedisInsertionJournal(store)
  const duplicateIndex = createRedisDuplicateIndex(store, { windowMs: opts.duplicateWindowMs })
  let closed = false
  // Switching an installation to Redis: copy its local journal (duplicate record, sign-outs) there once
  // Redis answers (retrying until it does). Until then this replica still honours the local
  // journal entries (honouringLocal).
  const importing = (async () => {
    while (!closed) {
      try {
        const copied = await importLocalJournal(opts.dataDir, opts.localJournal, store)
        if (copied > 0) opts.logger.info({ copied }, 'insertion journal: local entries imported into Redis')
        // What went into each document, so content inserted before the switch is still flagged.
        const offered = await importLocalDuplicates(opts.dataDir, duplicateIndex)
        if (offered > 0) opts.logger.info({ offered }, 'duplicate index: local entries imported into Redis')
        // Sessions signed out before the switch stay signed out.
        const revoked = await importLocalRevocations(opts.dataDir, store)
        if (revoked > 0) opts.logger.info({ revoked }, 'revocations: local entries imported into Redis')
        return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, IMPORT_RETRY_MS).unref())
      }
    }
  })()
  return {
    store,
    journal: honouringLocal(redisJournal, opts.localJournal),
    dingtalkOptions: (appKey) => ({
      limiter: createSharedDingTalkLimiter(store, DINGTALK_RATE),
      tokenCache: sharedTokenCache(store, appKey),
    }),
    resumable: {
      locker: createRedisUploadLocker(store),
      completions: createRedisCompletionState(store, { ttlMs: OUTCOME_TTL_MS, processingTtlMs: PROCESSING_TTL_MS }),
    },
    duplicateIndex,
    async close() {
      closed = true
      await store.close()
      await importing
    },
  }
}

/**
 * The Redis journal, falling back to what this replica's local journal knew from before Redis
 * (an entry Redis lacks may exist only there). Writes go to Redis only.
 */
function honouringLocal(redis: RedisInsertionJournal, local: InsertionJournal): RedisInsertionJournal {
  const layered = (primary: InsertionJournal): InsertionJournal => ({
    get since() {
      return primary.since
    },
    get: async (id) => (await primary.get(id)) ?? (await local.get(id)),
    put: (id, record) => primary.put(id, record),
    getTokenUse: async (docId, resourceId) =>
      (await primary.getTokenUse(docId, resourceId)) ?? (await local.getTokenUse(docId, resourceId)),
    putTokenUses: (docId, uses) => primary.putTokenUses(docId, uses),
  })
  return { ...layered(redis), withLease: (lease: Lease) => layered(redis.withLease(lease)) }
}
