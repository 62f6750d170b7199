/**
 * `POST /api/documents/:docId/insertions` (docs/api.md): verifies every resource token, then
 * inserts once per Idempotency-Key. In this process the idempotency store replays results, runs
 * concurrent duplicates once and refuses a reused key with another body; the insertion journal
 * (durable with a file journal) holds each batch's progress step by step, so a resend finishes
 * exactly what is missing (services/insertion/insertion.ts), and which block each resource went
 * into, so a token goes into its document once (`409 resource_used` under another key). A client's
 * `Idempotency-Retry: true` (it sent this key before) makes the server check the document first
 * when its journal is younger than the batch (ephemeral DATA_DIR, another instance).
 */
import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import {
  DocParamsSchema,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_RETRY_HEADER,
  InsertionHeadersSchema,
  InsertionRequestSchema,
  InsertionResponseSchema,
  type InsertionResponse,
  type Position,
} from '@contract/api'
import { AppError } from '../errors'
import { requireUser } from '../auth/guard'
import { IDEMPOTENCY_TTL_MS, IdempotencyStore } from '../services/insertion/idempotency-store'
import { insertItems, type DingTalkTraits, type InsertionItem } from '../services/insertion/insertion'
import { batchScope, createMemoryInsertionJournal, journalId, type InsertionJournal } from '../services/insertion/insertion-journal'
import { verifyResourceToken } from '../services/upload/resource-token'
import { recordInsertedContent } from '../services/upload/duplicate-index'
import { evidencePlacements, recordEvidenceBlocks } from '../services/evidence/evidence-service'
import { fencedDingTalk, fencedJournal } from '../store/fencing'
import type { RouteDeps } from './deps'

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,128}$/

export interface InsertionRouteOptions extends RouteDeps {
  /** Time source for token ages and the idempotency store; default Date.now. */
  now?: () => number
  /** Wait between retries of an insert whose outcome DingTalk left unknown; injectable for tests. */
  sleep?: (ms: number) => Promise<void>
  /** Where attempts and results are recorded across restarts; default: in memory (this process only). */
  insertionJournal?: InsertionJournal
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

/** Registers the insertion route with its own idempotency store and per-document lock. */
export const insertionRoutes: FastifyPluginAsyncZod<InsertionRouteOptions> = async (app, opts) => {
  const { config, dingtalk: unfencedDingTalk, store: shared } = opts
  const now = opts.now ?? Date.now
  const store = new IdempotencyStore<InsertionResponse>({ now })
  const sharedJournal = opts.insertionJournal ?? createMemoryInsertionJournal({ now })
  // INSERT_RATE_PER_MINUTE per person, counted in the shared store (every replica sees the count).
  const perPerson = (request: FastifyRequest) => request.user?.unionId ?? request.ip
  const rateLimit = { max: config.limits.insertionsPerMinutePerUser, timeWindow: 60_000, keyGenerator: perPerson }
  /** Learned from DingTalk's answers (does it echo our content?), for this process. */
  const traits: DingTalkTraits = { showsContent: undefined }

  app.post(
    '/api/documents/:docId/insertions',
    {
      config: { rateLimit },
      // Before the body schema runs, so that a missing key is named first (428) whatever the body;
      // a malformed document id is still reported before it (400, by the params schema).
      preValidation: async (request) => {
        if (DocParamsSchema.safeParse(request.params).success) requireIdempotencyKey(request)
      },
      schema: {
        params: DocParamsSchema,
        headers: InsertionHeadersSchema,
        body: InsertionRequestSchema,
        response: { 201: InsertionResponseSchema },
      },
    },
    async (request, reply) => {
      const user = requireUser(request)
      const docId = request.params.docId
      const key = requireIdempotencyKey(request)
      const body = request.body
      if (body.items.length > config.limits.maxFilesPerBatch) {
        throw new AppError('invalid_request', {
          status: 400,
          message: `At most ${config.limits.maxFilesPerBatch} items can be inserted at once.`,
        })
      }
      // Only the exact value counts: anything else is a first attempt as far as the client knows.
      const clientRetry = request.headers[IDEMPOTENCY_RETRY_HEADER] === 'true'
      const position: Position = body.position ?? { where: 'end' }
      const layout = body.layout ?? 'separate'

      // Every token is checked before anything reaches DingTalk (400 resource_invalid).
      const at = now()
      const items = body.items.map((item) => ({
        resource: verifyResourceToken(config.sessionSecret, item.resourceToken, { docId, unionId: user.unionId, now: at }),
        caption: item.caption,
      }))

      const fingerprint = createHash('sha256')
        .update(JSON.stringify([body.items.map((i) => [i.resourceToken, i.caption ?? null]), position, layout]))
        .digest('hex')
      const scope = { unionId: user.unionId, docId, key }
      // The key's first body wins on every replica (the in-process store below only sees this one).
      const claimed = await shared.claim(`idempotency:${batchScope(scope)}`, fingerprint, IDEMPOTENCY_TTL_MS)
      if (claimed !== null && claimed !== fingerprint) {
        throw new AppError('invalid_request', {
          status: 400,
          message: 'This Idempotency-Key was already used for a different request; use a new key for new content.',
        })
      }
      const { result } = await store.run(scope, fingerprint, () =>
        // One insertion per document at a time across replicas; the lease fences every write.
        shared.withLock(`doc:${docId}`, async (lease): Promise<InsertionResponse> => {
          const journal = fencedJournal(sharedJournal, lease)
          const dingtalk = fencedDingTalk(unfencedDingTalk, lease)
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
            unionId: user.unionId,
            journal,
            journalId: id,
            batch,
            fingerprint,
            record,
            mayHaveStarted,
            traits,
            now,
            sleep: opts.sleep,
          }
          const blocks = await insertItems(ctx, items, position, layout)
          await recordInsertedContent(opts.duplicateIndex, { docId, items, blocks, log: request.log, now: now() })
          if (opts.evidence) await recordEvidenceBlocks(opts.evidence, evidencePlacements(items, blocks))
          const response = { blocks, documentUrl: config.documentUrl(docId) }
          try {
            await journal.put(id, { fingerprint, state: 'done', at: now(), result: response })
          } catch (err) {
            // The blocks are in and their ids recorded step by step, so a retry still inserts nothing.
            request.log.warn({ err }, 'insertion journal: could not record the result')
          }
          return response
        }),
      )
      return reply.code(201).send(result)
    },
  )
}

/** The request's Idempotency-Key: 428 without one, 400 when it is not 8–128 of [A-Za-z0-9_-]. */
function requireIdempotencyKey(request: FastifyRequest): string {
  const key = request.headers[IDEMPOTENCY_KEY_HEADER]
  if (key === undefined || key === '') {
    throw new AppError('idempotency_key_required', {
      status: 428,
      message: 'Send an Idempotency-Key header so a retry cannot insert twice.',
    })
  }
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('invalid_request', { status: 400, message: 'Idempotency-Key must be 8–128 letters, digits, "-" or "_".' })
  }
  return key
}
