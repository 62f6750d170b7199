/**
 * `POST /api/documents/:docId/resources` (docs/api.md): the raw file body streams through to
 * DingTalk. Session and CSRF are checked by the app's onRequest hook before any byte is read; an
 * answer given before the body was read closes the connection (the error handler in errors.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import {
  CONTENT_SHA256_HEADER,
  DocParamsSchema,
  EVIDENCE_HEADER,
  ResourceHeadersSchema,
  ResourceQuerySchema,
  ResourceResponseSchema,
} from '@contract/api'
import { requireUser } from '../auth/guard'
import { createUploadAllowance } from '../services/upload/allowance'
import { requestBodyStream, uploadResource } from '../services/upload/stream-upload'
import { evidenceForUpload } from '../services/evidence/upload-evidence'
import type { RouteDeps } from './deps'

export interface ResourceRouteOptions extends RouteDeps {
  /** Time source for names, token issue times, slot expiry and the rate limit; default Date.now. */
  now?: () => number
}

/** Registers the upload route; its raw-body parser applies inside this plugin only. */
export const resourceRoutes: FastifyPluginAsyncZod<ResourceRouteOptions> = async (app, opts) => {
  const { config, dingtalk, store } = opts
  const now = opts.now ?? Date.now
  const allowance = createUploadAllowance({ store, config })

  // Every Content-Type (JSON included, since the declared type is only a hint) reaches the handler
  // as the untouched request stream; nothing is buffered.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload))

  app.post(
    '/api/documents/:docId/resources',
    {
      // Fastify's own limit must never cut an accepted upload; our Content-Length check is stricter.
      bodyLimit: config.limits.maxFileBytes + 1,
      schema: {
        params: DocParamsSchema,
        querystring: ResourceQuerySchema,
        headers: ResourceHeadersSchema,
        response: { 201: ResourceResponseSchema },
      },
    },
    async (request, reply) => {
      const user = requireUser(request)
      const unionId = user.unionId
      // Checked before any byte is read or sent to DingTalk: 400 / 403 / 409 (docs/api.md#evidence-upload).
      const evidence = await evidenceForUpload(
        opts,
        request,
        user,
        request.headers[EVIDENCE_HEADER],
        request.headers[CONTENT_SHA256_HEADER],
      )
      // Size first (411/413/415), then one of MAX_CONCURRENT_UPLOADS_PER_PERSON slots and the
      // per-minute count (429 with Retry-After beyond): services/upload/allowance.ts.
      const resource = await uploadResource(
        { dingtalk, config, allowance, now, duplicates: opts.duplicateIndex },
        {
          docId: request.params.docId,
          unionId,
          // Chunked uploads have no Content-Length and get 411 (we must know the size up front).
          contentLength: request.headers['content-length'],
          declaredType: request.headers['content-type'],
          name: request.query.name,
          body: requestBodyStream(request.body, request.raw),
          sha256: request.headers[CONTENT_SHA256_HEADER],
          evidence,
        },
      )
      return reply.code(201).send(resource)
    },
  )
}
