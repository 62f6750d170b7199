/**
 * Evidence routes (docs/api.md#evidence): issuing codes, the public lookup and the verify page,
 * withdrawal, and a document's register (JSON or CSV). Thin: the logic is in services/evidence/.
 */
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  DocParamsSchema,
  EvidenceCodeInputSchema,
  EvidenceCodesRequestSchema,
  EvidenceCodesResponseSchema,
  EvidenceLookupResponseSchema,
  EvidenceRegisterQuerySchema,
} from '@contract/api'
import { requireUser } from '../auth/guard'
import { AppError } from '../errors'
import { issueEvidenceCodes } from '../services/evidence/codes'
import {
  allEvidence,
  evidencePage,
  inspectEvidence,
  readableDocumentName,
  requireRegistry,
  withdrawEvidence,
  type EvidenceDeps,
} from '../services/evidence/evidence-service'
import { csvDisposition, registerCsv } from '../services/evidence/register-csv'
import { renderVerifyPage, verifyPageLocale } from '../services/evidence/verify-page'
import type { SharedStore } from '../store/types'
import type { RouteDeps } from './deps'

/** Code requests per person per minute (each up to 100 codes): a phone refills its pool in one or two. */
const CODE_REQUESTS_PER_MINUTE = 10

export interface EvidenceRouteOptions extends RouteDeps {
  evidence: EvidenceDeps
}

/** Counts one lookup (API or page) for the client address; 429 with Retry-After beyond the limit. */
async function takeLookup(store: SharedStore, request: FastifyRequest, perMinute: number): Promise<void> {
  const { count, resetMs } = await store.hit(`evidence-lookups:${request.ip}`, 60_000)
  if (count > perMinute) {
    throw new AppError('rate_limited', {
      status: 429,
      message: 'Too many evidence lookups from this address; wait a moment.',
      headers: { 'retry-after': String(Math.max(1, Math.ceil(resetMs / 1000))) },
    })
  }
}

const RawCodeParamsSchema = z.object({ code: z.string().max(64) })

export const evidenceRoutes: FastifyPluginAsyncZod<EvidenceRouteOptions> = async (app, opts) => {
  const { config, store, evidence } = opts
  const perMinute = config.evidence.lookupsPerMinute
  const perPerson = (request: FastifyRequest) => request.user?.unionId ?? request.ip

  app.post(
    '/api/evidence/codes',
    {
      config: { rateLimit: { max: CODE_REQUESTS_PER_MINUTE, timeWindow: 60_000, keyGenerator: perPerson } },
      schema: { body: EvidenceCodesRequestSchema, response: { 200: EvidenceCodesResponseSchema } },
    },
    async (request) => issueEvidenceCodes(requireRegistry(evidence), requireUser(request).unionId, request.body.count, evidence.now()),
  )

  app.get(
    '/api/evidence/:code',
    { config: { public: true }, schema: { params: RawCodeParamsSchema, response: { 200: EvidenceLookupResponseSchema } } },
    async (request) => {
      const code = parseCode(request.params.code)
      await takeLookup(store, request, perMinute)
      return (await inspectEvidence(evidence, code, request.user)).answer
    },
  )

  app.delete('/api/evidence/:code', { schema: { params: RawCodeParamsSchema } }, async (request, reply) => {
    await withdrawEvidence(evidence, parseCode(request.params.code), requireUser(request))
    return reply.code(204).send()
  })

  app.get(
    '/api/documents/:docId/evidence',
    { schema: { params: DocParamsSchema, querystring: EvidenceRegisterQuerySchema } },
    async (request, reply) => {
      const user = requireUser(request)
      const { docId } = request.params
      requireRegistry(evidence)
      const name = await readableDocumentName(evidence, docId, user)
      if (request.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', csvDisposition(name))
          .send(registerCsv(await allEvidence(evidence, docId)))
      }
      return evidencePage(evidence, docId, request.query.cursor)
    },
  )

  app.get('/v/:code', { schema: { params: RawCodeParamsSchema } }, async (request, reply) => {
    const locale = verifyPageLocale(request.headers['accept-language'])
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
    const parsed = EvidenceCodeInputSchema.safeParse(request.params.code)
    if (!parsed.success) return reply.code(400).send(renderVerifyPage({ locale, state: 'malformed' }))
    try {
      await takeLookup(store, request, perMinute)
      const { answer, flags } = await inspectEvidence(evidence, parsed.data, request.user)
      const documentUrl = answer.document ? config.documentUrl(answer.document.docId) : null
      return reply.send(renderVerifyPage({ locale, state: 'found', code: parsed.data, evidence: answer, flags, documentUrl }))
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      const state = err.code === 'not_found' ? 'unknown' : err.code === 'rate_limited' ? 'busy' : 'unavailable'
      if (err.headers) reply.headers(err.headers)
      return reply.code(state === 'unknown' ? 200 : err.status).send(renderVerifyPage({ locale, state, code: parsed.data }))
    }
  })
}

function parseCode(raw: string): string {
  const parsed = EvidenceCodeInputSchema.safeParse(raw)
  if (!parsed.success) {
    throw new AppError('invalid_request', { status: 400, message: 'That is not an evidence code (XXXX-XXXX-XXXX).' })
  }
  return parsed.data
}
