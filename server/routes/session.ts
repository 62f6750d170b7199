import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { SessionRequestSchema, SessionResponseSchema } from '@contract/api'
import { requireUser } from '../auth/guard'
import { type Clock, endSession, sessionCsrfToken } from '../auth/session'
import { signIn } from '../auth/sign-in'
import type { RouteDeps } from './deps'

/** Sign-in, who-am-I and sign-out (docs/api.md#session). */
export const sessionRoutes: FastifyPluginAsyncZod<RouteDeps & { clock: Clock }> = async (app, { config, dingtalk, clock, store }) => {
  app.post(
    '/api/session',
    {
      config: {
        public: true,
        csrfExempt: true,
        // Per address: an office shares one, hence the generous default (docs/api.md#post-apisession-public-no-csrf-token).
        rateLimit: { max: config.limits.loginsPerMinutePerAddress, timeWindow: 60_000 },
      },
      schema: { body: SessionRequestSchema, response: { 200: SessionResponseSchema } },
    },
    async (request) => signIn({ dingtalk, clock }, request, request.body.authCode),
  )

  app.get('/api/session', { schema: { response: { 200: SessionResponseSchema } } }, async (request) => ({
    user: requireUser(request),
    csrfToken: sessionCsrfToken(request),
  }))

  app.delete('/api/session', async (request, reply) => {
    await endSession(request, store)
    return reply.code(204).send()
  })
}
