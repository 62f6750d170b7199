/**
 * `POST /api/documents/:docId/resources` (DESIGN.md §2): the raw file body streams through to
 * DingTalk. Session and CSRF are checked by the app's onRequest hook before any byte is read.
 */
import { Readable } from 'node:stream'
import type { FastifyPluginAsync } from 'fastify'
import { DocParamsSchema, ResourceQuerySchema } from '@contract/api'
import { AppError } from '../errors'
import { requireUser } from '../auth/guard'
import { createUploadRateLimiter } from '../limits/rate-limit-store'
import { withUploadSlot } from '../limits/upload-slots'
import { uploadResource } from '../services/upload'
import type { RouteDeps } from './deps'

export interface ResourceRouteOptions extends RouteDeps {
  /** Time source for names, token issue times, slot expiry and the rate limit; default Date.now. */
  now?: () => number
}

/** Registers the upload route; its raw-body parser applies inside this plugin only. */
export const resourceRoutes: FastifyPluginAsync<ResourceRouteOptions> = async (app, opts) => {
  const { config, dingtalk, store } = opts
  const now = opts.now ?? Date.now
  const rateLimiter = createUploadRateLimiter(store, config.limits.uploadsPerMinutePerUser)

  // Every Content-Type (JSON included, since the declared type is only a hint) reaches the handler
  // as the untouched request stream; nothing is buffered.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload))

  app.post(
    '/api/documents/:docId/resources',
    // Fastify's own limit must never cut an accepted upload; our Content-Length check is stricter.
    { bodyLimit: config.limits.maxFileBytes + 1 },
    async (request, reply) => {
      const user = requireUser(request)
      const params = DocParamsSchema.safeParse(request.params)
      if (!params.success) throw new AppError('invalid_request', 400, 'The document id is not valid.')
      const query = ResourceQuerySchema.safeParse(request.query)
      if (!query.success) throw new AppError('invalid_request', 400, 'Give one file name of at most 1024 characters in ?name=.')
      const body = request.body instanceof Readable ? request.body : request.raw
      try {
        // At most MAX_CONCURRENT_UPLOADS_PER_PERSON at once (429 with Retry-After beyond).
        const resource = await withUploadSlot(store, user.unionId, config.limits.concurrentUploadsPerUser, () =>
          uploadResource(
            { dingtalk, config, rateLimiter, now },
            {
              docId: params.data.docId,
              unionId: user.unionId,
              // Chunked uploads have no Content-Length and get 411 (we must know the size up front).
              contentLength: request.headers['content-length'],
              declaredType: request.headers['content-type'],
              name: query.data.name,
              body,
            },
          ),
        )
        return reply.code(201).send(resource)
      } catch (err) {
        // An answer before the body was read to its end: close the connection afterwards rather
        // than read (and throw away) up to MAX_FILE_BYTES the browser is still sending.
        if (!request.raw.complete) reply.header('connection', 'close')
        throw err
      }
    },
  )
}
