/**
 * `POST /api/documents/:docId/insertions` (docs/api.md): verifies every resource token, then
 * inserts once per Idempotency-Key. In this process the idempotency store replays results, runs
 * concurrent duplicates once and refuses a reused key with another body; the insertion journal
 * (durable with a file journal) says whether an earlier attempt finished (replay), started (read the
 * document and insert only what is missing, services/insertion/insertion.ts) or never began (insert without
 * reading the document). A client's `Idempotency-Retry: true` (it sent this key before) also makes
 * it read the document first, for when the journal did not survive (ephemeral DATA_DIR, another instance).
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
import { IdempotencyStore } from '../services/insertion/idempotency-store'
import { DocumentLocks, insertItems } from '../services/insertion/insertion'
import { createMemoryInsertionJournal, journalId, type InsertionJournal } from '../services/insertion/insertion-journal'
import { verifyResourceToken } from '../services/upload/resource-token'
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

/** Registers the insertion route with its own idempotency store and per-document lock. */
export const insertionRoutes: FastifyPluginAsyncZod<InsertionRouteOptions> = async (app, opts) => {
  const { config, dingtalk } = opts
  const now = opts.now ?? Date.now
  const store = new IdempotencyStore<InsertionResponse>({ now })
  const locks = new DocumentLocks()
  const journal = opts.insertionJournal ?? createMemoryInsertionJournal({ now })

  app.post(
    '/api/documents/:docId/insertions',
    {
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
      const { result } = await store.run(scope, fingerprint, () =>
        locks.run(docId, async (): Promise<InsertionResponse> => {
          const id = journalId(scope, fingerprint)
          const entry = await journal.get(id)
          // The link is configuration, not history: give today's (the sandbox emulator may have moved).
          if (entry?.state === 'done') return { ...entry.result, documentUrl: config.documentUrl(docId) }
          // Durable before the first write, so a crash from here on leaves "started" behind.
          if (!entry) await journal.markStarted(id, fingerprint)
          // The journal may have been lost with the disk; the client remembers that it sent this key before.
          const resume = entry !== undefined || clientRetry
          const ctx = { dingtalk, docId, unionId: user.unionId, resume, sleep: opts.sleep }
          const blocks = await insertItems(ctx, items, position, layout)
          const response = { blocks, documentUrl: config.documentUrl(docId) }
          try {
            await journal.markDone(id, fingerprint, response)
          } catch (err) {
            // The blocks are in; the entry stays "started", so a retry reads the document and still inserts nothing.
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
