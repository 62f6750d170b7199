/**
 * Resumable uploads, tus 1.0 (docs/api.md "Resumable uploads"): `POST /api/documents/:docId/uploads`
 * creates one, `HEAD`/`PATCH`/`DELETE …/uploads/:uploadId` continue or end it, and
 * `GET …/uploads/:uploadId/resource` reports what became of the finished file (202 while it goes to
 * DingTalk, then the very answer of `POST …/resources`). Session and CSRF are checked by the app's
 * onRequest hook; here the params and headers are validated and the request handed to the service
 * (services/upload/resumable-requests.ts), whose web Response goes back through the tus bridge.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Locker } from '@tus/server'
import { DocParamsSchema, UploadCreationHeadersSchema, UploadParamsSchema } from '@contract/api'
import { requireUser } from '../auth/guard'
import type { UploadCompletionState } from '../services/upload/completion-state'
import { createResumableRequests, type ResumableRequestsDeps } from '../services/upload/resumable-requests'
import { forward } from '../services/upload/tus-bridge'
import type { RouteDeps } from './deps'
import { evidenceOfCreation, keptEvidenceRecorder } from '../services/evidence/upload-evidence'

export interface UploadRouteOptions extends RouteDeps {
  now?: () => number
  /** Outcomes of finished uploads (default: this process's memory; Redis with REDIS_URL, server.ts). */
  completions?: UploadCompletionState
  /** Per-upload lock for tus (default: in-process; Redis with REDIS_URL, server.ts). */
  locker?: Locker
  /** How the staging directory's free space is read (default `fs.statfs`). */
  statfs?: ResumableRequestsDeps['statfs']
}

/** Registers the tus routes; their pass-through body parser applies inside this plugin only. */
export const uploadRoutes: FastifyPluginAsyncZod<UploadRouteOptions> = async (app, opts) => {
  const resumable = createResumableRequests({
    config: opts.config,
    dingtalk: opts.dingtalk,
    store: opts.store,
    now: opts.now ?? Date.now,
    duplicates: opts.duplicateIndex,
    completions: opts.completions,
    locker: opts.locker,
    statfs: opts.statfs,
    log: app.log,
    evidence: opts.evidence ? keptEvidenceRecorder(opts.evidence) : undefined,
  })
  app.addHook('onClose', async () => resumable.close())

  // `application/offset+octet-stream` (and anything else) stays unread for tus to stream to disk.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload))

  app.post(
    '/api/documents/:docId/uploads',
    { schema: { params: DocParamsSchema, headers: UploadCreationHeadersSchema } },
    async (request, reply) => {
      const user = requireUser(request)
      const owner = { docId: request.params.docId, unionId: user.unionId }
      // An `evidence` claim is checked now, before any byte (400 / 403 / 409), and kept with the upload.
      const evidence = await evidenceOfCreation(opts, request, user)
      return forward(request, reply, await resumable.create(request, owner, request.headers, evidence))
    },
  )

  const proceed = async (request: FastifyRequest<{ Params: { docId: string; uploadId: string } }>, reply: FastifyReply) => {
    const owner = { docId: request.params.docId, unionId: requireUser(request).unionId }
    return forward(request, reply, await resumable.proceed(request, owner, request.params.uploadId))
  }
  const schema = { params: UploadParamsSchema }
  app.route({ method: 'HEAD', url: '/api/documents/:docId/uploads/:uploadId', schema, handler: proceed })
  app.patch('/api/documents/:docId/uploads/:uploadId', { schema }, proceed)
  app.delete('/api/documents/:docId/uploads/:uploadId', { schema }, proceed)

  app.get('/api/documents/:docId/uploads/:uploadId/resource', { schema }, async (request, reply) => {
    const owner = { docId: request.params.docId, unionId: requireUser(request).unionId }
    const outcome = await resumable.outcome(owner, request.params.uploadId)
    if (outcome.state === 'processing') return reply.code(202).header('retry-after', '1').send({ state: 'processing' })
    return reply.code(200).send(outcome.resource)
  })
}
