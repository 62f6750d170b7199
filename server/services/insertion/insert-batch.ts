/**
 * One insertion request from start to answer (docs/api.md `POST /api/documents/:docId/insertions`;
 * docs/architecture.md "Exactly-once insertion"): every resource token checked, captions cleaned,
 * the key claimed on every replica, then — once per key in this process, under the document's
 * lock on every replica — the journal consulted, the batch inserted (insertion.ts), what went in
 * recorded for duplicate detection, and the result journaled for resends.
 */
import { createHash } from 'node:crypto'
import type { InsertionRequest, InsertionResponse, Position } from '@contract/api'
import type { AppConfig } from '../../config'
import type { DingTalkApi } from '../../dingtalk/types'
import { AppError } from '../../errors'
import { fencedDingTalk, fencedJournal } from '../../store/fencing'
import type { SharedStore } from '../../store/types'
import { stripControls } from '../text/strip-controls'
import { recordInsertedContent, type DuplicateIndex } from '../upload/duplicate-index'
import { evidencePlacements, recordEvidenceBlocks, type EvidenceDeps } from '../evidence/evidence-service'
import { verifyResourceToken } from '../upload/resource-token'
import { IDEMPOTENCY_TTL_MS, IdempotencyStore } from './idempotency-store'
import { insertItems, type DingTalkTraits, type InsertionItem } from './insertion'
import { batchScope, createMemoryInsertionJournal, journalId, type InsertionJournal } from './insertion-journal'

export interface InsertBatchDeps {
  config: AppConfig
  dingtalk: DingTalkApi
  /** Shared state: the key's first body and the document's lock, on every replica. */
  store: SharedStore
  duplicateIndex?: DuplicateIndex
  /** Evidence records get the block that holds their photo (docs/evidence.md#in-the-document). */
  evidence?: EvidenceDeps
  /** Time source for token ages and the idempotency store; default Date.now. */
  now?: () => number
  /** Wait between retries of an insert whose outcome DingTalk left unknown; injectable for tests. */
  sleep?: (ms: number) => Promise<void>
  /** Where attempts and results are recorded across restarts; default: in memory (this process only). */
  insertionJournal?: InsertionJournal
}

export interface InsertBatchInput {
  unionId: string
  docId: string
  /** The Idempotency-Key, already checked for shape. */
  key: string
  /** The client says it sent this key before (`Idempotency-Retry: true`). */
  clientRetry: boolean
  body: InsertionRequest
  log: { warn(obj: object, msg: string): void }
}

/** Inserts one request's batch exactly once per key; the answer for a 201. */
export type InsertBatch = (input: InsertBatchInput) => Promise<InsertionResponse>

/**
 * The insertion service of one app instance: its idempotency store (in this process) and what it
 * learned about DingTalk's answers live as long as the returned function.
 */
export function createInsertBatch(deps: InsertBatchDeps): InsertBatch {
  const { config, store: shared } = deps
  const now = deps.now ?? Date.now
  const idempotency = new IdempotencyStore<InsertionResponse>({ now })
  const sharedJournal = deps.insertionJournal ?? createMemoryInsertionJournal({ now })
  /** Learned from DingTalk's answers (does it echo our content?), for this process. */
  const traits: DingTalkTraits = { showsContent: undefined }

  return async ({ unionId, docId, key, clientRetry, body, log }) => {
    if (body.items.length > config.limits.maxFilesPerBatch) {
      throw new AppError('invalid_request', {
        status: 400,
        message: `At most ${config.limits.maxFilesPerBatch} items can be inserted at once.`,
      })
    }
    const position: Position = body.position ?? { where: 'end' }
    const layout = body.layout ?? 'separate'

    // Every token is checked before anything reaches DingTalk (400 resource_invalid).
    const at = now()
    const items: InsertionItem[] = body.items.map((item) => ({
      resource: verifyResourceToken(config.sessionSecret, item.resourceToken, { docId, unionId, now: at }),
      // Whatever the H5 sent: no controls, bidi overrides or zero-width characters reach the document.
      ...(item.caption === undefined ? {} : { caption: stripControls(item.caption) }),
    }))
    refuseRepeatedResources(items)

    const fingerprint = createHash('sha256')
      .update(JSON.stringify([body.items.map((i) => [i.resourceToken, i.caption ?? null]), position, layout]))
      .digest('hex')
    const scope = { unionId, docId, key }
    // The key's first body wins on every replica (the in-process store below only sees this one).
    const claimed = await shared.claim(`idempotency:${batchScope(scope)}`, fingerprint, IDEMPOTENCY_TTL_MS)
    if (claimed !== null && claimed !== fingerprint) {
      throw new AppError('invalid_request', {
        status: 400,
        message: 'This Idempotency-Key was already used for a different request; use a new key for new content.',
      })
    }
    const { result } = await idempotency.run(scope, fingerprint, () =>
      // One insertion per document at a time across replicas; the lease fences every write.
      shared.withLock(`doc:${docId}`, async (lease): Promise<InsertionResponse> => {
        const journal = fencedJournal(sharedJournal, lease)
        const dingtalk = fencedDingTalk(deps.dingtalk, lease)
        const id = journalId(scope, fingerprint)
        const record = await journal.get(id)
        // The link is configuration, not history: give today's (the sandbox emulator may have moved).
        if (record?.state === 'done' && record.result) return { ...record.result, documentUrl: config.documentUrl(docId) }
        const batch = batchScope(scope)
        await refuseUsedTokens(journal, docId, batch, items)
        // No record: a first attempt — unless the client sent this key before and the journal is
        // younger than the batch's tokens (it may have lost the record with the disk).
        const oldestToken = Math.min(...items.map((i) => i.resource.issuedAt))
        const mayHaveStarted = !record && clientRetry && journal.since > oldestToken
        const ctx = {
          dingtalk,
          docId,
          unionId,
          journal,
          journalId: id,
          batch,
          fingerprint,
          record,
          mayHaveStarted,
          traits,
          now,
          sleep: deps.sleep,
        }
        const blocks = await insertItems(ctx, items, position, layout)
        await recordInsertedContent(deps.duplicateIndex, { docId, items, blocks, log, now: now() })
        if (deps.evidence) await recordEvidenceBlocks(deps.evidence, evidencePlacements(items, blocks))
        const response = { blocks, documentUrl: config.documentUrl(docId) }
        try {
          await journal.put(id, { fingerprint, state: 'done', at: now(), result: response })
        } catch (err) {
          // The blocks are in and their ids recorded step by step, so a retry still inserts nothing.
          log.warn({ err }, 'insertion journal: could not record the result')
        }
        return response
      }),
    )
    return result
  }
}

/**
 * 400 invalid_request when one upload appears twice in the batch (the same token, or two tokens
 * for one resource): one upload gives one block, so `[T, T, T]` must not give three.
 */
function refuseRepeatedResources(items: InsertionItem[]): void {
  const seen = new Set<string>()
  for (const { resource } of items) {
    if (seen.has(resource.resourceId)) {
      throw new AppError('invalid_request', {
        status: 400,
        message: 'The same file appears more than once in this batch; each upload can be inserted once.',
      })
    }
    seen.add(resource.resourceId)
  }
}

/** 409 resource_used when a resource of the batch already went into the document under another key. */
async function refuseUsedTokens(journal: InsertionJournal, docId: string, batch: string, items: InsertionItem[]): Promise<void> {
  const used: Array<{ resourceId: string; blockId: string; insertedAt: string }> = []
  for (const item of items) {
    const use = await journal.getTokenUse(docId, item.resource.resourceId)
    if (use && use.batch !== batch) {
      used.push({ resourceId: item.resource.resourceId, blockId: use.blockId, insertedAt: new Date(use.insertedAt).toISOString() })
    }
  }
  const first = used[0]
  if (!first) return
  throw new AppError('resource_used', {
    status: 409,
    message: 'This file is already in the document (inserted by an earlier batch); it is not inserted again.',
    details: { ...first, items: used },
  })
}
