/**
 * The device's pool of evidence codes (docs/evidence.md#the-h5-side). Codes come from
 * `POST /api/evidence/codes` (at most 100 a call), are reserved for the person they were issued to,
 * and are kept in IndexedDB per signed-in person, so photos taken offline are still stamped. While
 * online the pool is topped up to POOL_TARGET; expired codes are dropped. A photo that finds the pool
 * empty waits (`next()`) and is stamped as soon as codes arrive.
 */
import { ref, watch, type Ref } from 'vue'
import { createStore, get, set, type UseStore } from 'idb-keyval'
import { MAX_EVIDENCE_CODES_PER_REQUEST, type EvidenceCodesResponse } from '@contract/api'

/** Enough for a long site visit without a network. */
export const POOL_TARGET = 200
/** Topped up once it falls this far below the target (not after every photo). */
const REFILL_BELOW = POOL_TARGET - 50
/** A code this close to its expiry is not used any more: the upload may be hours later. */
const EXPIRY_MARGIN_MS = 24 * 60 * 60 * 1000
/** A failed refill is tried again after this while photos wait for a code. */
const RETRY_MS = 10_000

export interface PooledCode {
  code: string
  expiresAt: string
}

/** Where each person's pool is kept (IndexedDB; a Map in tests). */
export interface CodePoolStorage {
  load(owner: string): Promise<PooledCode[] | null>
  save(owner: string, codes: PooledCode[]): Promise<void>
}

let db: UseStore | null = null
function codesStore(): UseStore {
  db ??= createStore('doc-attach-evidence', 'codes')
  return db
}

/** The pool in IndexedDB, one record per person (the signed-in userId); failures only cost the offline supply. */
export const idbCodePoolStorage: CodePoolStorage = {
  async load(owner) {
    try {
      const stored = await get<unknown>(owner, codesStore())
      return Array.isArray(stored) ? stored.filter(isPooledCode) : null
    } catch {
      return null
    }
  },
  async save(owner, codes) {
    await set(owner, codes, codesStore()).catch(() => undefined)
  },
}

function isPooledCode(value: unknown): value is PooledCode {
  if (typeof value !== 'object' || value === null) return false
  const { code, expiresAt } = value as Record<string, unknown>
  return typeof code === 'string' && typeof expiresAt === 'string'
}

export interface CodePoolDeps {
  /** `POST /api/evidence/codes`. */
  fetchCodes(count: number): Promise<EvidenceCodesResponse>
  online: Readonly<Ref<boolean>>
  storage?: CodePoolStorage
  now?: () => number
}

export function createCodePool(deps: CodePoolDeps) {
  const storage = deps.storage ?? idbCodePoolStorage
  const now = deps.now ?? Date.now
  const size = ref(0)
  /** Whether stamping is wanted at all (config + the person's choice): no codes are fetched otherwise. */
  const wanted = ref(false)
  let owner: string | null = null
  let codes: PooledCode[] = []
  let loading: Promise<void> = Promise.resolve()
  let refilling: Promise<void> | null = null
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  const waiters: Array<() => void> = []
  let saving: Promise<void> = Promise.resolve()

  const usable = (c: PooledCode) => Date.parse(c.expiresAt) - EXPIRY_MARGIN_MS > now()

  function update(next: PooledCode[]): void {
    codes = next
    size.value = codes.length
    const who = owner
    const snapshot = codes.slice()
    if (who) saving = saving.then(() => storage.save(who, snapshot))
  }

  /** Switches to `userId`'s pool (loaded from the device); another person's codes are never used. */
  function setOwner(userId: string | null): Promise<void> {
    if (userId === owner) return loading
    owner = userId
    codes = []
    size.value = 0
    loading = (async () => {
      if (!userId) return
      const stored = (await storage.load(userId)) ?? []
      if (owner !== userId) return
      update(stored.filter(usable))
      wake()
      maybeRefill()
    })()
    return loading
  }

  function wake(): void {
    while (codes.length > 0 && waiters.length > 0) waiters.shift()?.()
  }

  /** Tops the pool up to POOL_TARGET while online (one refill at a time). */
  function maybeRefill(force = false): Promise<void> {
    if (refilling) return refilling
    if (!owner || !deps.online.value || (!wanted.value && waiters.length === 0)) return Promise.resolve()
    if (!force && codes.length >= REFILL_BELOW && waiters.length === 0) return Promise.resolve()
    const who = owner
    refilling = (async () => {
      try {
        while (owner === who && deps.online.value && codes.length < POOL_TARGET) {
          const answer = await deps.fetchCodes(Math.min(MAX_EVIDENCE_CODES_PER_REQUEST, POOL_TARGET - codes.length))
          if (owner !== who) return
          const fresh = answer.codes.map((code) => ({ code, expiresAt: answer.expiresAt }))
          update([...codes.filter(usable), ...fresh])
          wake()
          if (fresh.length === 0) break
        }
      } catch {
        if (waiters.length > 0) {
          clearTimeout(retryTimer)
          retryTimer = setTimeout(() => void maybeRefill(true), RETRY_MS)
        }
      } finally {
        refilling = null
      }
    })()
    return refilling
  }

  /** Takes a code off the pool (it is gone from the device at once), or null when none is left. */
  async function take(): Promise<string | null> {
    await loading
    update(codes.filter(usable))
    const first = codes[0]
    if (!first) {
      void maybeRefill(true)
      return null
    }
    update(codes.slice(1))
    void maybeRefill()
    return first.code
  }

  /** A code, waiting for one as long as it takes (codes arrive once the device is online). */
  async function next(): Promise<string> {
    for (;;) {
      const code = await take()
      if (code) return code
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        void maybeRefill(true)
      })
    }
  }

  watch(deps.online, (isOnline) => {
    if (isOnline) void maybeRefill()
  })
  watch(wanted, (on) => {
    if (on) void maybeRefill()
  })

  return {
    /** Codes on the device for the current person. */
    size,
    wanted,
    setOwner,
    take,
    next,
    refill: () => maybeRefill(true),
    /** Photos waiting for a code. */
    waiting: () => waiters.length,
    /** Resolves when the pool's writes so far are stored. */
    saved: () => saving,
  }
}

export type CodePool = ReturnType<typeof createCodePool>
