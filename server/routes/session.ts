import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { SessionRequestSchema, SessionResponseSchema } from '@contract/api'
import { requireUser } from '../auth/guard'
import { type Clock, endSession, sessionCsrfToken, startSession } from '../auth/session'
import type { RouteDeps } from './deps'

/** Sign-in, who-am-I and sign-out (DESIGN.md §1.2, §2). */
export const sessionRoutes: FastifyPluginAsyncZod<RouteDeps & { clock: Clock }> = async (app, { config, dingtalk, clock, store }) => {
  app.post(
    '/api/session',
    {
      config: {
        public: true,
        csrfExempt: true,
        // Per address: an office shares one, hence the generous default (DESIGN.md §2 "Limits").
        rateLimit: { max: config.limits.loginsPerMinutePerAddress, timeWindow: 60_000 },
      },
      schema: { body: SessionRequestSchema, response: { 200: SessionResponseSchema } },
    },
    async (request) => {
      // A used, unknown or expired code is DingTalk 40078 → DingTalkError 401 auth_code_invalid.
      const person = await dingtalk.getUserByAuthCode(request.body.authCode)
      const user = { userId: person.userId, unionId: person.unionId, name: person.name }
      const csrfToken = startSession(request, user, clock)
      request.log.info({ userId: user.userId }, 'signed in')
      return { user, csrfToken }
    },
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
