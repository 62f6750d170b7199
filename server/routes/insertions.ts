/**
 * `POST /api/documents/:docId/insertions` (docs/api.md): parses the request and hands it to the
 * insertion service (services/insertion/insert-batch.ts), which checks every resource token and
 * inserts once per Idempotency-Key: the idempotency store replays results, runs concurrent
 * duplicates once and refuses a reused key with another body; the insertion journal holds each
 * batch's progress so a resend finishes exactly what is missing, and which block each resource went
 * into, so a token goes into its document once (`409 resource_used` under another key). A client's
 * `Idempotency-Retry: true` (it sent this key before) makes the server check the document first
 * when its journal is younger than the batch (ephemeral DATA_DIR, another instance).
 */
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import {
  DocParamsSchema,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_RETRY_HEADER,
  InsertionHeadersSchema,
  InsertionRequestSchema,
  InsertionResponseSchema,
} from '@contract/api'
import { AppError } from '../errors'
import { requireUser } from '../auth/guard'
import { createInsertBatch } from '../services/insertion/insert-batch'
import type { InsertionJournal } from '../services/insertion/insertion-journal'
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

/** Registers the insertion route with its own insertion service (idempotency store, DingTalk traits). */
export const insertionRoutes: FastifyPluginAsyncZod<InsertionRouteOptions> = async (app, opts) => {
  const insertBatch = createInsertBatch(opts)
  // INSERT_RATE_PER_MINUTE per person, counted in the shared store (every replica sees the count).
  const perPerson = (request: FastifyRequest) => request.user?.unionId ?? request.ip
  const rateLimit = { max: opts.config.limits.insertionsPerMinutePerUser, timeWindow: 60_000, keyGenerator: perPerson }

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
      const result = await insertBatch({
        unionId: requireUser(request).unionId,
        docId: request.params.docId,
        key: requireIdempotencyKey(request),
        // Only the exact value counts: anything else is a first attempt as far as the client knows.
        clientRetry: request.headers[IDEMPOTENCY_RETRY_HEADER] === 'true',
        body: request.body,
        log: request.log,
      })
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
